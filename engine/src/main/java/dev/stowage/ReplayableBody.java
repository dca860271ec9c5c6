package dev.stowage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A write body that can be read from its first byte any number of times. Every write takes one,
 * so a retried write always sends the whole payload again (the defect of a retry reusing a
 * consumed stream cannot be expressed). A one-shot {@link InputStream} must be made replayable
 * explicitly with {@link #spool(InputStream, long)}.
 *
 * <p>Implementations must return an independent stream from each {@link #open()} call, positioned
 * at byte 0, yielding exactly {@link #length()} bytes when the length is known. Backends check that
 * count and fail the write with {@link InvalidRequestException} on a mismatch rather than store a
 * truncated body. The factories here are thread-safe as long as the caller does not modify the
 * array, buffer or file while a write is in progress.
 */
public interface ReplayableBody {
    /** {@link #length()} of a body whose size is only known after reading it. */
    long UNKNOWN_LENGTH = -1;

    /** Exact length in bytes, or {@link #UNKNOWN_LENGTH}. */
    long length();

    /** A new stream over the whole body, from its first byte. The caller closes it. */
    InputStream open() throws IOException;

    /**
     * The body's bytes when the caller holds them in memory ({@link #ofBytes}, {@link #ofBuffer}):
     * a view of the caller's memory from its position to its limit; {@code null} for a body that
     * must be read through {@link #open()} (the default). A store may copy the bytes from it once,
     * on the caller's thread, instead of reading a stream into an array of its own. The factory's
     * rule holds: the caller does not modify the bytes until the write returns.
     */
    default ByteBuffer inMemory() {
        return null;
    }

    /** Opens a stream; the functional half of {@link #ofSupplier(long, StreamSupplier)}. */
    @FunctionalInterface
    interface StreamSupplier {
        InputStream open() throws IOException;
    }

    /** The whole array, not copied: do not modify it until the write returns. */
    static ReplayableBody ofBytes(byte[] bytes) {
        return ofBytes(bytes, 0, bytes.length);
    }

    /** A slice of an array, not copied: do not modify it until the write returns. */
    static ReplayableBody ofBytes(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        return new ReplayableBody() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes, offset, length);
            }

            @Override
            public ByteBuffer inMemory() {
                return ByteBuffer.wrap(bytes, offset, length);
            }
        };
    }

    /**
     * The buffer's remaining bytes (position to limit), not copied and without moving the
     * caller's position: do not modify them until the write returns.
     */
    static ReplayableBody ofBuffer(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        return new ReplayableBody() {
            @Override
            public long length() {
                return view.remaining();
            }

            @Override
            public InputStream open() {
                return new ByteBufferInputStream(view.duplicate());
            }

            @Override
            public ByteBuffer inMemory() {
                return view.duplicate();
            }
        };
    }

    /** A file's contents; its size is taken now, and a later change of size fails the write. */
    static ReplayableBody ofFile(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read body file " + file + ": " + e, e);
        }
        return ofSupplier(size, () -> Files.newInputStream(file));
    }

    /**
     * A body produced by opening a fresh stream each time.
     *
     * @param length exact length, or {@link #UNKNOWN_LENGTH}
     */
    static ReplayableBody ofSupplier(long length, StreamSupplier supplier) {
        if (length < UNKNOWN_LENGTH) {
            throw new InvalidRequestException("body length " + length + " is negative");
        }
        Objects.requireNonNull(supplier, "supplier");
        return new ReplayableBody() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public InputStream open() throws IOException {
                return supplier.open();
            }
        };
    }

    /**
     * Reads a one-shot stream to its end, keeping small bodies in memory and larger ones in a
     * temporary file, so the result can be replayed. Close the returned body to delete the file.
     *
     * @param limit largest body accepted
     * @throws InvalidRequestException if the stream holds more than {@code limit} bytes (the
     *                                 partial spool is deleted)
     */
    static SpooledBody spool(InputStream in, long limit) {
        return SpooledBody.spool(in, limit);
    }

    /**
     * Reads the whole body into an array, checking it against the declared length.
     *
     * @throws InvalidRequestException if the body exceeds {@code maxBytes} or differs from its declared length
     * @throws UncheckedIOException    if the body cannot be read
     */
    default byte[] readAllBytes(int maxBytes) {
        long declared = length();
        if (declared > maxBytes) {
            throw new InvalidRequestException("body is " + declared + " bytes; at most " + maxBytes + " allowed");
        }
        try (InputStream in = open()) {
            if (declared != UNKNOWN_LENGTH) {
                // One array of the declared size: no chunk buffers, no trimming copy.
                byte[] bytes = new byte[(int) declared];
                checkLength(in.readNBytes(bytes, 0, bytes.length));
                if (in.read() != -1) {
                    throw new InvalidRequestException("body declared " + declared + " bytes but supplied more; refusing to store"
                        + " an overlong body");
                }
                return bytes;
            }
            byte[] bytes = in.readNBytes(maxBytes);
            if (bytes.length == maxBytes && in.read() != -1) {
                throw new InvalidRequestException("body exceeds " + maxBytes + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading write body: " + e.getMessage(), e);
        }
    }

    /**
     * Streams the whole body to {@code out}, checking it against the declared length.
     *
     * @return bytes copied
     * @throws InvalidRequestException if the body exceeds {@code maxBytes} or differs from its declared length
     * @throws UncheckedIOException    if the body cannot be read or {@code out} fails
     */
    default long copyTo(OutputStream out, long maxBytes) {
        long declared = length();
        if (declared > maxBytes) {
            throw new InvalidRequestException("body is " + declared + " bytes; at most " + maxBytes + " allowed");
        }
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        try (InputStream in = open()) {
            for (int n; (n = in.read(chunk)) != -1; ) {
                total += n;
                if (total > maxBytes) {
                    throw new InvalidRequestException("body exceeds " + maxBytes + " bytes");
                }
                out.write(chunk, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("copying write body: " + e.getMessage(), e);
        }
        checkLength(total);
        return total;
    }

    /**
     * Fails if {@code actual} bytes were read but a different length was declared.
     *
     * @throws InvalidRequestException on a mismatch
     */
    default void checkLength(long actual) {
        long declared = length();
        if (declared != UNKNOWN_LENGTH && declared != actual) {
            throw new InvalidRequestException("body declared " + declared + " bytes but supplied " + actual
                + "; refusing to store a truncated or overlong body");
        }
    }
}
