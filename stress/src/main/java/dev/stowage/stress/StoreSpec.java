package dev.stowage.stress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The store a command works on: the {@code --store} URL, or a {@code disk://} store in a fresh
 * temporary directory that {@link #close()} deletes. A {@code disk://} URL without a
 * {@code durability} option gets the command's {@code --durability}.
 *
 * <p>Not thread-safe.
 */
final class StoreSpec implements AutoCloseable {
    final String url;
    private final Path scratch;

    private StoreSpec(String url, Path scratch) {
        this.url = url;
        this.scratch = scratch;
    }

    static StoreSpec of(String url, String durability) {
        if (url == null) {
            try {
                Path dir = Files.createTempDirectory("stowage-stress-");
                return new StoreSpec(diskUrl(dir) + "?durability=" + durability, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (url.startsWith("disk:") && !url.contains("durability=")) {
            url += (url.contains("?") ? "&" : "?") + "durability=" + durability;
        }
        return new StoreSpec(url, null);
    }

    /** The {@code disk://} URL of a directory. */
    static String diskUrl(Path directory) {
        return "disk://" + directory.toAbsolutePath().toUri().getRawPath();
    }

    /** The directory of a {@code disk://} store, or of a plain path; {@code null} for other schemes. */
    static Path diskPath(String url) {
        if (url.startsWith("disk:")) {
            return Path.of(URI.create(url).getPath());
        }
        return url.contains("://") ? null : Path.of(url);
    }

    boolean isDisk() {
        return url.startsWith("disk:");
    }

    @Override
    public void close() {
        if (scratch != null) {
            try (Stream<Path> paths = Files.walk(scratch)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
