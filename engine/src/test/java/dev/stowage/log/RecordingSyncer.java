package dev.stowage.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link Syncer} for tests: does the real syncs and records them (how far each segment was
 * synced, every directory synced), fails the syncs of {@link #failing} while it is set, and runs
 * {@link #afterDirectorySync} after each directory sync. Thread-safe.
 */
final class RecordingSyncer implements Syncer {
    /** Runs after a directory sync, on the syncing thread. */
    interface DirectoryHook {
        void synced(Path directory) throws IOException;
    }

    private final List<Path> directories = new CopyOnWriteArrayList<>();
    private final Map<Long, Integer> syncedTo = new ConcurrentHashMap<>();
    volatile Path failing;
    volatile DirectoryHook afterDirectorySync = directory -> { };

    @Override
    public void sync(Segment segment, int from, int to) {
        REAL.sync(segment, from, to);
        syncedTo.merge(segment.id(), to, Math::max);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
        if (directory.equals(failing)) {
            throw new IOException("injected: directory sync of " + directory + " failed");
        }
        REAL.syncDirectory(directory);
        directories.add(directory);
        afterDirectorySync.synced(directory);
    }

    /** Syncs of {@code directory} so far. */
    long count(Path directory) {
        return directories.stream().filter(directory::equals).count();
    }

    /** How far each segment (by id) is synced now: what a power loss would keep. */
    Map<Long, Integer> syncedTo() {
        return Map.copyOf(syncedTo);
    }
}
