package dev.stowage.crypto;

import dev.stowage.Content;
import dev.stowage.ReplayableBody;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A body read from one stored version: the first open uses the stream already open, a replay
 * reopens the entry and fails unless it is still the same version (same ETag), so a write built
 * from it never mixes two versions.
 *
 * <p>Thread-safe.
 */
final class PinnedVersionBody {
    /** Turns a stream of the stored version into the body to write. */
    @FunctionalInterface
    interface Transform {
        InputStream apply(InputStream stored) throws IOException;
    }

    private PinnedVersionBody() {
    }

    /**
     * @param consumed bytes already read from {@code first}'s stream; skipped on a replay, so
     *                 {@code transform} always gets the stream from the same position
     */
    static ReplayableBody of(Content first, long consumed, long length, Supplier<Content> reopen, Transform transform) {
        String etag = first.etag();
        AtomicReference<InputStream> unused = new AtomicReference<>(first.stream());
        return ReplayableBody.ofSupplier(length, () -> {
            InputStream stream = unused.getAndSet(null);
            if (stream == null) {
                Content again = reopen.get();
                if (!again.etag().equals(etag)) {
                    again.close();
                    throw new IOException(first.info().key() + " changed while being read for a rewrite");
                }
                stream = again.stream();
                stream.skipNBytes(consumed);
            }
            return transform.apply(stream);
        });
    }
}
