package dev.stowage.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * How the store makes what it wrote durable: ranges of segments ({@link Segment#force}) and directories
 * (after creating, renaming or deleting files in them). A strategy so that fault-injection tests
 * can watch every sync and make any of them fail. Range syncs come from the writer thread, its
 * {@link Committer} (SYNC durability) or its {@link Sealer} (NONE, GROUP);
 * directory syncs from the writer, the segment preparer, checkpoints and blob writers, so
 * implementations of {@link #syncDirectory} must be thread-safe.
 */
@FunctionalInterface
interface Syncer {
    /** The real thing: {@code msync} or {@code fdatasync} of ranges, {@code fsync} of directories. */
    Syncer REAL = Segment::force;

    /**
     * @throws RuntimeException (typically {@link java.io.UncheckedIOException}) if the range may not be durable
     */
    void sync(Segment segment, int from, int to);

    /** Makes files created, renamed or deleted in {@code directory} survive a crash. */
    default void syncDirectory(Path directory) throws IOException {
        FileSync.directory(directory);
    }
}
