package dev.stowage.remote;

import dev.stowage.InvalidRequestException;
import dev.stowage.ReplayableBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Sends a {@link ReplayableBody} in one request when it fits in one chunk, otherwise as a sequence
 * of chunks (S3 multipart parts, Azure blocks) committed at the end, holding one chunk on the
 * heap at a time. The body is read once, and its length is checked against the declared one
 * before anything is committed: a short or overlong body fails with
 * {@link InvalidRequestException} and is never stored.
 *
 * <p>Stateless; thread-safe.
 */
public final class ChunkedBodyWriter {
    /** Where the chunks go: one implementation per service, one instance per write. */
    public interface Sink {
        /** Stores {@code data[0, length)} as the whole entry; returns its ETag. */
        String putWhole(byte[] data, int length);

        /** Called once before the first chunk (checks, starting an upload). */
        void beginChunks();

        /** Stores chunk {@code number} (from 1); {@code data} is reused after the call returns. */
        void putChunk(int number, byte[] data, int length);

        /** Commits the chunks under the write's precondition; returns the ETag. */
        String completeChunks();

        /** Called instead of {@link #completeChunks()} after any failure; best effort. */
        void abandonChunks();
    }

    private ChunkedBodyWriter() {
    }

    /**
     * @param header bytes stored before the body (part of the first chunk), possibly none
     */
    public static String write(ReplayableBody body, byte[] header, int chunkSize, long maxBodyBytes, Sink sink, String what) {
        long declared = body.length();
        if (declared > maxBodyBytes) {
            throw new InvalidRequestException("body is " + declared + " bytes; at most " + maxBodyBytes + " allowed");
        }
        // A known-length body shorter than a chunk needs one byte more than its length: enough to
        // notice a body that yields more than it declared.
        int first = declared >= 0 && declared < chunkSize - header.length ? (int) (header.length + declared + 1) : chunkSize;
        try (InputStream in = body.open()) {
            byte[] buffer = new byte[first];
            System.arraycopy(header, 0, buffer, 0, header.length);
            int filled = header.length + in.readNBytes(buffer, header.length, buffer.length - header.length);
            if (filled < chunkSize) {
                body.checkLength(filled - header.length);
                return sink.putWhole(buffer, filled);
            }
            return writeChunks(in, buffer, header.length, body, maxBodyBytes, sink);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the body for " + what, e);
        }
    }

    private static String writeChunks(InputStream in, byte[] buffer, int headerLength, ReplayableBody body, long maxBodyBytes,
                                      Sink sink) throws IOException {
        sink.beginChunks();
        boolean completed = false;
        try {
            int filled = buffer.length;
            long payload = filled - headerLength;
            int number = 0;
            while (true) {
                sink.putChunk(++number, buffer, filled);
                if (filled < buffer.length) {
                    break;
                }
                filled = in.readNBytes(buffer, 0, buffer.length);
                payload += filled;
                if (payload > maxBodyBytes) {
                    throw new InvalidRequestException("body exceeds " + maxBodyBytes + " bytes");
                }
                if (filled == 0) {
                    break;
                }
            }
            body.checkLength(payload);
            String etag = sink.completeChunks();
            completed = true;
            return etag;
        } finally {
            if (!completed) {
                sink.abandonChunks();
            }
        }
    }

    /** {@code data[0, length)}, copied only when it is not the whole array. */
    public static byte[] exactly(byte[] data, int length) {
        return length == data.length ? data : Arrays.copyOf(data, length);
    }
}
