package dev.stowage.log;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Streams a committed value straight from a segment mapping, holding a reference on the segment
 * until closed so its mapping cannot be released underneath. Not thread-safe.
 */
final class SegmentInputStream extends InputStream {
    private final Segment segment;
    private final ByteBuffer view;
    private boolean closed;

    /** {@code segment} must already be retained for this stream; {@link #close()} releases it. */
    SegmentInputStream(Segment segment, int offset, int length) {
        this.segment = segment;
        this.view = segment.slice(offset, length);
    }

    @Override
    public int read() {
        return !closed && view.hasRemaining() ? view.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (closed || !view.hasRemaining()) {
            return -1;
        }
        int n = Math.min(len, view.remaining());
        view.get(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) {
        int k = (int) Math.max(0, Math.min(n, view.remaining()));
        view.position(view.position() + k);
        return k;
    }

    @Override
    public int available() {
        return closed ? 0 : view.remaining();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            segment.release();
        }
    }
}
