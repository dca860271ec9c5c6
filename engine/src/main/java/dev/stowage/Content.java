package dev.stowage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A body being read: the entry's {@link EntryInfo} and a stream over exactly the bytes of the
 * version that {@code info().etag()} names. The stream may hold resources (a mapped segment, an
 * HTTP connection): close the {@code Content} when done, preferably with try-with-resources.
 *
 * <p>Not thread-safe: one reader at a time.
 */
public final class Content implements Closeable {
    private final EntryInfo info;
    private final InputStream stream;

    public Content(EntryInfo info, InputStream stream) {
        this.info = Objects.requireNonNull(info, "info");
        this.stream = Objects.requireNonNull(stream, "stream");
    }

    public EntryInfo info() {
        return info;
    }

    public String etag() {
        return info.etag();
    }

    public long size() {
        return info.size();
    }

    /** The body; read it once. */
    public InputStream stream() {
        return stream;
    }

    /**
     * Reads the remaining body into a new array.
     *
     * @throws InvalidRequestException if the body is larger than an array can hold
     */
    public byte[] readAllBytes() {
        if (info.size() > Integer.MAX_VALUE - 8) {
            throw new InvalidRequestException("body of " + info.size() + " bytes does not fit in an array; stream it");
        }
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            stream.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
