package dev.stowage.log;

import static dev.stowage.log.CheckpointDescriptor.ENTRY_BLOB;
import static dev.stowage.log.CheckpointDescriptor.ENTRY_FLAGS_OFFSET;
import static dev.stowage.log.CheckpointDescriptor.ENTRY_KEY_LENGTH_OFFSET;
import static dev.stowage.log.CheckpointDescriptor.ENTRY_KEY_OFFSET;
import static dev.stowage.log.CheckpointDescriptor.ENTRY_RECORD_BYTES_OFFSET;
import static dev.stowage.log.CheckpointDescriptor.ENTRY_RECORD_OFFSET;
import static dev.stowage.log.CheckpointDescriptor.ENTRY_SEGMENT_OFFSET;

import dev.stowage.CorruptionException;
import dev.stowage.Names;
import dev.stowage.ClosedException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import org.agrona.IoUtil;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The keys of one (namespace, space) as a mapped checkpoint holds them ({@link CheckpointDescriptor}):
 * looked up in place by hash, listed in key order, and turned into an {@link IndexEntry} only when
 * a key is used. This is what lets an open skip decoding the index: the base layer of a
 * {@link LogIndex} space, under the entries written since.
 *
 * <p>The file's CRC was checked when it was mapped; an entry that still disagrees with the record
 * it names (a checkpoint written by a buggy writer, or a segment changed under it) raises
 * {@link CorruptionException} naming the checkpoint and the entry's offset when used.
 *
 * <p>Immutable; thread-safe. Every access holds a reference on the file's {@link Mapping}, so
 * the index's close unmaps it at once (an unmounted volume must not stay busy) without pulling
 * it from under a reader racing the close: that reader gets {@link ClosedException}.
 */
final class CheckpointRun {
    /** One checkpoint file's mapping, shared by its runs, unmapped when its last reference goes. */
    static final class Mapping {
        private final MappedByteBuffer mapped;
        private final UnsafeBuffer buffer;
        private final String file;
        private final ReferenceCount references = new ReferenceCount();

        Mapping(String file, MappedByteBuffer mapped) {
            this.file = file;
            this.mapped = mapped;
            this.buffer = new UnsafeBuffer(mapped);
            Segment.LIVE_MAPPINGS.incrementAndGet();
        }

        UnsafeBuffer buffer() {
            return buffer;
        }

        private void retain() {
            if (!references.retain()) {
                throw new ClosedException("the index of checkpoint " + file);
            }
        }

        /** Drops a reference; the index drops its own when it is closed. */
        void release() {
            if (references.release("the mapping of checkpoint " + file)) {
                IoUtil.unmap(mapped);
                Segment.LIVE_MAPPINGS.decrementAndGet();
            }
        }
    }

    /** What {@link #entry} returns when the segment was released by compaction since the lookup: look again. */
    static final IndexEntry RELEASED = new IndexEntry(-1, null, 0, 0, 0, 0, null, null);

    private final String file;
    private final Mapping mapping;
    private final UnsafeBuffer buffer;
    private final Segment[] segments;
    private final byte space;
    private final int entries;
    private final int slots;
    private final int buckets;
    private final int bucketCount;

    CheckpointRun(Mapping mapping, Segment[] segments, byte space, int entries, int slots, int buckets, int bucketCount) {
        this.file = mapping.file;
        this.mapping = mapping;
        this.buffer = mapping.buffer;
        this.segments = segments;
        this.space = space;
        this.entries = entries;
        this.slots = slots;
        this.buckets = buckets;
        this.bucketCount = bucketCount;
    }

    int size() {
        return entries;
    }

    /** The slot of {@code key}, or -1. */
    int find(String key) {
        mapping.retain();
        try {
            return slotOf(key);
        } finally {
            mapping.release();
        }
    }

    private int slotOf(String key) {
        int hash = key.hashCode();
        int mask = bucketCount - 1;
        for (int b = CheckpointDescriptor.bucket(hash, bucketCount), probes = 0; probes < bucketCount; b = (b + 1) & mask, probes++) {
            long value = buffer.getLong(buckets + b * Long.BYTES, ByteOrder.LITTLE_ENDIAN);
            if (value == 0) {
                return -1;
            }
            int slot = (int) value - 1;
            if ((int) (value >>> 32) == hash && sameKey(entryAt(slot), key)) {
                return slot;
            }
        }
        return -1;
    }

    /** Whether the UTF-8 key of the entry at {@code at} is {@code key}; ASCII is compared byte by char. */
    private boolean sameKey(int at, String key) {
        int length = keyLength(at);
        if (length == key.length()) {
            int from = at + ENTRY_KEY_OFFSET;
            int i = 0;
            while (i < length) {
                char c = key.charAt(i);
                if (c >= 0x80 || buffer.getByte(from + i) != c) {
                    break;
                }
                i++;
            }
            if (i == length) {
                return true;
            }
            if (key.charAt(i) < 0x80) {
                return false;
            }
        } else if (length < key.length()) {
            return false; // UTF-8 never takes fewer bytes than UTF-16 chars
        }
        return key(at).equals(key);
    }

    /** Where the entry of {@code slot} starts; checked to lie in the file with its key and blob id. */
    private int entryAt(int slot) {
        if (slot < 0 || slot >= entries) {
            throw corrupt(slots, "slot " + slot + " outside the run of " + entries);
        }
        int at = buffer.getInt(slots + slot * Integer.BYTES, ByteOrder.LITTLE_ENDIAN);
        if (at < CheckpointDescriptor.HEADER_LENGTH || at > buffer.capacity() - ENTRY_KEY_OFFSET
            || at + (long) CheckpointDescriptor.entryLength(keyLength(at), hasBlob(at)) > buffer.capacity()) {
            throw corrupt(slots + slot * Integer.BYTES, "slot " + slot + " points outside the file (offset " + at + ")");
        }
        return at;
    }

    private int keyLength(int at) {
        return Short.toUnsignedInt(buffer.getShort(at + ENTRY_KEY_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN));
    }

    private String key(int at) {
        return buffer.getStringWithoutLengthUtf8(at + ENTRY_KEY_OFFSET, keyLength(at));
    }

    /** The key of slot {@code slot}. */
    String keyOf(int slot) {
        mapping.retain();
        try {
            return key(entryAt(slot));
        } finally {
            mapping.release();
        }
    }

    /**
     * The entry of slot {@code slot}, read from its record; {@link #RELEASED} if compaction released
     * the record's segment since the lookup (the key has a newer entry above this run by then).
     */
    IndexEntry entry(int slot) {
        mapping.retain();
        try {
            return read(entryAt(slot));
        } finally {
            mapping.release();
        }
    }

    private IndexEntry read(int at) {
        int index = buffer.getInt(at + ENTRY_SEGMENT_OFFSET, ByteOrder.LITTLE_ENDIAN);
        int offset = buffer.getInt(at + ENTRY_RECORD_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (index < 0 || index >= segments.length) {
            throw corrupt(at, "segment " + index + " outside the segment table");
        }
        Segment segment = segments[index];
        if (!segment.retain()) {
            return RELEASED;
        }
        try {
            UnsafeBuffer record = segment.buffer();
            // The open did not scan this segment: the record's layout is checked before any field is
            // trusted, its CRC before the value is first served (IndexEntry.checkCrc): a listing
            // then reads no large value, and the writer can still replace a damaged one.
            String problem = RecordCodec.layoutProblem(record, offset, segment.capacity());
            if (problem == null && (RecordCodec.type(record, offset) != RecordDescriptor.TYPE_PUT
                || RecordCodec.space(record, offset) != space || !sameKeyBytes(at, record, offset))) {
                problem = "names a record of another key";
            }
            if (problem != null) {
                throw corrupt(at, problem + " (" + segment.path().getFileName() + " offset " + offset + ")");
            }
            IndexEntry entry = BlobEntry.read(segment, offset);
            if (entry.recordBytes() != buffer.getInt(at + ENTRY_RECORD_BYTES_OFFSET, ByteOrder.LITTLE_ENDIAN)
                || blobId(at) != (entry instanceof BlobEntry ? ((BlobEntry) entry).blobId : LogIndex.NO_BLOB)) {
                throw corrupt(at, "disagrees with its record (" + segment.path().getFileName() + " offset " + offset + ")");
            }
            entry.crcUnchecked = true;
            return entry;
        } finally {
            segment.release();
        }
    }

    /** Whether the entry's value lives in a blob file (the entry then ends with the blob id). */
    private boolean hasBlob(int at) {
        return (buffer.getByte(at + ENTRY_FLAGS_OFFSET) & ENTRY_BLOB) != 0;
    }

    /** The entry's blob id, {@link LogIndex#NO_BLOB} for an inline value. */
    private long blobId(int at) {
        return hasBlob(at) ? buffer.getLong(at + CheckpointDescriptor.blobIdOffset(keyLength(at)), ByteOrder.LITTLE_ENDIAN)
            : LogIndex.NO_BLOB;
    }

    /** Visits slot {@code slot}'s version as a checkpoint records it, from this run alone: no record is read. */
    void visitVersion(int slot, String namespace, String key, LogIndex.VersionVisitor visitor) {
        long segmentId;
        int recordOffset;
        int recordBytes;
        long blobId;
        mapping.retain();
        try {
            int at = entryAt(slot);
            int index = buffer.getInt(at + ENTRY_SEGMENT_OFFSET, ByteOrder.LITTLE_ENDIAN);
            if (index < 0 || index >= segments.length) {
                throw corrupt(at, "segment " + index + " outside the segment table");
            }
            segmentId = segments[index].id();
            recordOffset = buffer.getInt(at + ENTRY_RECORD_OFFSET, ByteOrder.LITTLE_ENDIAN);
            recordBytes = buffer.getInt(at + ENTRY_RECORD_BYTES_OFFSET, ByteOrder.LITTLE_ENDIAN);
            blobId = blobId(at);
        } finally {
            mapping.release();
        }
        visitor.visit(namespace, space, key, segmentId, recordOffset, recordBytes, blobId);
    }

    private boolean sameKeyBytes(int at, UnsafeBuffer record, int offset) {
        int length = keyLength(at);
        if (RecordCodec.keyLength(record, offset) != length) {
            return false;
        }
        int from = offset + RecordDescriptor.HEADER_LENGTH + RecordCodec.namespaceLength(record, offset);
        for (int i = 0; i < length; i++) {
            if (record.getByte(from + i) != buffer.getByte(at + ENTRY_KEY_OFFSET + i)) {
                return false;
            }
        }
        return true;
    }

    /** The first slot whose key is at least {@code key} ({@code inclusive}) or above it. */
    int lowerBound(String key, boolean inclusive) {
        int low = 0;
        int high = entries;
        while (low < high) {
            int mid = (low + high) >>> 1;
            int c = Names.KEY_ORDER.compare(keyOf(mid), key);
            if (c < 0 || (c == 0 && !inclusive)) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** The keys from {@code key} on, ascending. */
    Iterator<String> keysFrom(String key, boolean inclusive) {
        int first = lowerBound(key, inclusive);
        return new Iterator<>() {
            int next = first;

            @Override
            public boolean hasNext() {
                return next < entries;
            }

            @Override
            public String next() {
                if (next >= entries) {
                    throw new NoSuchElementException();
                }
                return keyOf(next++);
            }
        };
    }

    private CorruptionException corrupt(int offset, String reason) {
        return new CorruptionException(file, offset, "checkpoint entry " + reason);
    }
}
