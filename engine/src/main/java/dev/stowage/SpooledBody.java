package dev.stowage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A one-shot stream made replayable by reading it once: up to {@link #MEMORY_THRESHOLD} bytes in
 * memory, the rest in a temporary file that {@link #close()} deletes.
 *
 * <p>Replays ({@link #open()}) are thread-safe until {@link #close()}; opening after close fails.
 */
public final class SpooledBody implements ReplayableBody, AutoCloseable {
    /** Bodies up to this size stay on the heap; larger ones spill to a temporary file. */
    public static final int MEMORY_THRESHOLD = 1024 * 1024;

    private final byte[] head;
    private final Path file;
    private final long length;
    private volatile boolean closed;

    private SpooledBody(byte[] head, Path file, long length) {
        this.head = head;
        this.file = file;
        this.length = length;
    }

    static SpooledBody spool(InputStream in, long limit) {
        if (limit < 0) {
            throw new InvalidRequestException("spool limit " + limit + " is negative");
        }
        try {
            int headLimit = (int) Math.min(limit, MEMORY_THRESHOLD);
            byte[] head = in.readNBytes(headLimit);
            int next = head.length == headLimit ? in.read() : -1;
            if (next == -1) {
                return new SpooledBody(head, null, head.length);
            }
            if (head.length >= limit) {
                throw tooLarge(limit);
            }
            Path file = Files.createTempFile("stowage-spool-", ".body");
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(head);
                out.write(next);
                long total = head.length + 1L;
                byte[] chunk = new byte[64 * 1024];
                for (int n; (n = in.read(chunk)) != -1; ) {
                    total += n;
                    if (total > limit) {
                        throw tooLarge(limit);
                    }
                    out.write(chunk, 0, n);
                }
                return new SpooledBody(null, file, total);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(file);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("spooling body: " + e.getMessage(), e);
        }
    }

    private static InvalidRequestException tooLarge(long limit) {
        return new InvalidRequestException("stream exceeds the spool limit of " + limit + " bytes");
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public InputStream open() throws IOException {
        if (closed) {
            throw new ClosedException("spooled body");
        }
        return file == null ? new ByteArrayInputStream(head) : Files.newInputStream(file);
    }

    /** Whether the body spilled to a temporary file. */
    public boolean spilled() {
        return file != null;
    }

    /** Deletes the temporary file, if any. Idempotent. */
    @Override
    public void close() {
        closed = true;
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public String toString() {
        return "SpooledBody{length=" + length + (file == null ? ", in memory" : ", file") + "}";
    }
}
