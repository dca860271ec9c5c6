package dev.stowage.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Durability helpers for files and file-system metadata. Stateless; thread-safe. */
final class FileSync {
    private FileSync() {
    }

    /**
     * Syncs a file's data and metadata ({@code fsync}). Unlike a {@link FileChannel}'s sync, an
     * interrupt of the calling thread neither cuts it short nor closes anything. Opened after the
     * writes, the descriptor still reports their writeback errors that no other has reported.
     */
    static void file(Path file) throws IOException {
        try (RandomAccessFile handle = new RandomAccessFile(file.toFile(), "r")) {
            handle.getFD().sync();
        }
    }

    /** Syncs a directory so that files created, renamed or deleted in it survive a crash. */
    static void directory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
