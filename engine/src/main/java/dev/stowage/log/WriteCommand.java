package dev.stowage.log;

import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * One slot of the writer's ring. Callers fill it on their own thread (validation, UTF-8 encoding,
 * body bytes already read, or lent by a caller that runs the command itself) so the writer only
 * checks, copies and syncs. Reused: {@link #clear()} drops references once the writer is done
 * with it.
 *
 * <p>Not thread-safe: owned by the publishing caller until published, then by the writer.
 */
final class WriteCommand {
    /** Write {@link #value} under {@link #key}. */
    static final int PUT = 1;
    /** Remove {@link #key}. */
    static final int DELETE = 2;
    /** Write the value of {@link #sourceKey} (space {@link #sourceSpace}) under {@link #key}. */
    static final int COPY = 3;
    /** Atomically: head state := staged payload at {@link #sourceKey}; staged payload removed. */
    static final int PROMOTE = 4;
    /**
     * Sync whatever is not yet synced (group durability; compaction before it deletes a segment);
     * completes {@link #result}, when set, once synced.
     */
    static final int SYNC = 5;
    /**
     * Compaction: copy the record at {@link #sourceOffset} of {@link #sourceSegment} forward, if it
     * still holds the current version of {@link #key}; completes with {@code null} if it does not.
     */
    static final int RELOCATE = 6;

    int kind;
    String namespace;
    byte[] namespaceBytes;
    byte space;
    /** Record flags of a PUT ({@link RecordDescriptor#FLAG_BLOB} when {@link #value} is a blob reference). */
    byte flags;
    String key;
    byte[] keyBytes;
    /** Encoded attributes of an object PUT ({@link RecordCodec#NO_ATTRIBUTES} otherwise). */
    byte[] attributes;
    /** The same attributes, as the index keeps them. */
    ObjectAttributes objectAttributes;
    byte[] value;
    /**
     * A PUT's value in the caller's memory (position to limit) instead of {@link #value}: only in
     * a command {@link #runByCaller}, which the writer is done with before the caller gets control back.
     */
    ByteBuffer borrowedValue;
    byte sourceSpace;
    String sourceKey;
    byte[] sourceKeyBytes;
    Segment sourceSegment;
    int sourceOffset;
    Precondition precondition;
    /** LSN named by an ifMatch precondition, or -1 when the ETag is not one of this store's. */
    long expectedLsn;
    CompletableFuture<String> result;
    /**
     * Whether the caller that fills this command runs it too, before the fill returns
     * ({@link LogWriter#appendIfIdle}), rather than publishing it to the ring.
     */
    final boolean runByCaller;

    /** A slot of the ring. */
    WriteCommand() {
        this(false);
    }

    WriteCommand(boolean runByCaller) {
        this.runByCaller = runByCaller;
    }

    void clear() {
        flags = 0;
        namespace = null;
        namespaceBytes = null;
        key = null;
        keyBytes = null;
        attributes = null;
        objectAttributes = null;
        value = null;
        borrowedValue = null;
        sourceKey = null;
        sourceKeyBytes = null;
        sourceSegment = null;
        precondition = null;
        result = null;
    }
}
