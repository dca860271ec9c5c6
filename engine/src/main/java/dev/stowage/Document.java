package dev.stowage;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A meta document as read: its bytes and the ETag of the write that produced them.
 *
 * <p>Immutable and thread-safe: the bytes are owned by this object and never exposed for writing.
 * {@link #asReadOnlyBuffer()} gives a copy-free view for hot paths; {@link #toByteArray()}
 * copies.
 */
public final class Document {
    private final byte[] bytes;
    private final String etag;

    /**
     * Wraps {@code bytes} without copying. Backends use this with an array they will never write
     * again; callers building documents should not need it.
     */
    public static Document wrap(byte[] bytes, String etag) {
        return new Document(bytes, etag);
    }

    private Document(byte[] bytes, String etag) {
        if (bytes == null || etag == null) {
            throw new NullPointerException("bytes and etag are required");
        }
        this.bytes = bytes;
        this.etag = etag;
    }

    public String etag() {
        return etag;
    }

    public int size() {
        return bytes.length;
    }

    /** A read-only view of the bytes, positioned at 0; no copy. */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** A fresh copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** Whether the document's bytes equal {@code other}, without copying. */
    public boolean contentEquals(byte[] other) {
        return Arrays.equals(bytes, other);
    }

    @Override
    public String toString() {
        return "Document{etag=" + etag + ", size=" + bytes.length + "}";
    }
}
