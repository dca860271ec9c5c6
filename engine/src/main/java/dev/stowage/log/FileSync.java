package dev.stowage.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Durability helpers for file-system metadata. Stateless; thread-safe. */
final class FileSync {
    private FileSync() {
    }

    /** Syncs a directory so that files created, renamed or deleted in it survive a crash. */
    static void directory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
