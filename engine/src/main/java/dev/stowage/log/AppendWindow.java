package dev.stowage.log;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Where the writer encodes the records it appends to the active segment.
 *
 * <ul>
 *   <li>{@link #mapped()}: straight into the segment's read-write mapping ({@link Segment#appendBuffer}); the bytes are in the
 *       page cache as soon as they are encoded, and {@code msync} makes them durable.</li>
 *   <li>{@link #positional(int)} ({@link LogStore.WriteMode#POSITIONAL}): into an off-heap buffer that holds the active
 *       segment's bytes from the window's start; {@link #flush} writes them to the file with
 *       positional writes. Readers only ever read flushed bytes, through the read-only mapping,
 *       because the index is published after the flush.</li>
 * </ul>
 *
 * <p>Record offsets are always segment offsets; {@link #index(int)} turns one into an index of
 * {@link #buffer()}.
 *
 * <p>Not thread-safe: the writer thread's.
 */
final class AppendWindow {
    private final UnsafeBuffer staging;
    private Segment segment;
    /** Segment offset of staging index 0: the first byte not yet written to the file. */
    private int start;
    private int end;

    private AppendWindow(UnsafeBuffer staging) {
        this.staging = staging;
    }

    /** Records are encoded into the mapping itself. */
    static AppendWindow mapped() {
        return new AppendWindow(null);
    }

    /**
     * Records are staged off-heap, up to {@code capacity} bytes (at least the largest record and
     * its end mark), and written positionally: at the end of a batch, or sooner when the next
     * record would not fit.
     */
    static AppendWindow positional(int capacity) {
        return new AppendWindow(new UnsafeBuffer(ByteBuffer.allocateDirect(capacity)));
    }

    /**
     * Prepares to append {@code bytes} at {@code position} of {@code active}: moves the window to
     * a new active segment (after a roll), and flushes first if the staging buffer would overflow.
     */
    void reserve(Segment active, int position, long bytes) {
        if (staging == null) {
            segment = active;
            return;
        }
        if (active != segment) {
            segment = active;
            start = position;
            end = position;
        }
        if (position - start + bytes + RecordDescriptor.END_MARK_LENGTH > staging.capacity()) {
            flush();
            if (bytes + RecordDescriptor.END_MARK_LENGTH > staging.capacity()) {
                throw new IllegalStateException("a record of " + bytes + " bytes exceeds the staging buffer of " + staging.capacity());
            }
        }
    }

    /** Whether records are written positionally, through the file ({@link #positional}). */
    boolean positional() {
        return staging != null;
    }

    /** The buffer to encode into. */
    UnsafeBuffer buffer() {
        return staging != null ? staging : segment.appendBuffer();
    }

    /** The index in {@link #buffer()} of segment offset {@code offset}. */
    int index(int offset) {
        return offset - start;
    }

    /** Records now end at segment offset {@code to}; writes the end mark after them. */
    void appended(int to) {
        end = to;
        buffer().setMemory(index(to), endMarkLength(to), (byte) 0);
    }

    /** Bytes of the end mark after segment offset {@code to}: fewer at the segment's end. */
    private int endMarkLength(int to) {
        return Math.min(RecordDescriptor.END_MARK_LENGTH, segment.capacity() - to);
    }

    /**
     * Whether bytes at {@code offset} of {@code s} were appended but not yet written to the file:
     * reading them through the mapping needs a {@link #flush} first.
     */
    boolean unflushed(Segment s, int offset) {
        return staging != null && s == segment && offset >= start && offset < end;
    }

    /**
     * Writes everything appended, and the end mark after it, to the file (no sync); a no-op for
     * mapped segments.
     *
     * @throws java.io.UncheckedIOException if the write fails
     */
    void flush() {
        if (staging != null && end > start) {
            segment.write(staging, 0, start, end - start + endMarkLength(end));
            start = end;
        }
    }

    /** Forgets unflushed bytes (a batch that is cut); the next append starts at {@code position}. */
    void discard(int position) {
        if (staging != null) {
            start = position;
            end = position;
        }
    }
}
