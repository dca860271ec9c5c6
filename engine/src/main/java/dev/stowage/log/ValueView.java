package dev.stowage.log;

import java.nio.ByteBuffer;

/**
 * A committed value seen in place in the segment mapping, with no copy: for readers that parse
 * state or objects straight from off-heap memory. Holds a reference on its segment until closed,
 * so the mapping stays valid while the view is in use; close it promptly (try-with-resources).
 *
 * <p>Not thread-safe; the buffer is read-only and positioned at 0.
 */
public final class ValueView implements AutoCloseable {
    private final Segment segment;
    private final ByteBuffer buffer;
    private final String etag;
    private boolean closed;

    ValueView(Segment segment, int offset, int length, String etag) {
        this.segment = segment;
        this.buffer = segment.slice(offset, length);
        this.etag = etag;
    }

    /** The value: a read-only direct buffer over the mapping, positioned at 0. Invalid after {@link #close()}. */
    public ByteBuffer buffer() {
        if (closed) {
            throw new IllegalStateException("value view is closed");
        }
        return buffer;
    }

    public String etag() {
        return etag;
    }

    public int size() {
        return buffer.capacity();
    }

    /** Releases the segment reference. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            segment.release();
        }
    }
}
