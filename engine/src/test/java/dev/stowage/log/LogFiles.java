package dev.stowage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Byte surgery on a closed store's files, for recovery tests. */
final class LogFiles {
    private LogFiles() {
    }

    /**
     * A power loss: zeroes every byte of the segments under {@code root} past what
     * {@code syncedTo} (segment id to offset, {@link RecordingSyncer#syncedTo}) says was synced.
     */
    static void losePower(Path root, Map<Long, Integer> syncedTo) throws IOException {
        for (Path segment : segments(root)) {
            int kept = syncedTo.getOrDefault(Segment.parseId(segment.getFileName().toString()), 0);
            zero(segment, kept, (int) Files.size(segment) - kept);
        }
    }

    /** Segment files in log order. */
    static List<Path> segments(Path root) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(StoreRoot.SEGMENTS_DIR))) {
            return files.filter(p -> Segment.parseId(p.getFileName().toString()) >= 0).sorted().toList();
        }
    }

    /** Segment files holding records, in log order: segments prepared ahead hold none. */
    static List<Path> segmentsWithRecords(Path root) throws IOException {
        List<Path> written = new ArrayList<>();
        for (Path segment : segments(root)) {
            if (!recordOffsets(segment).isEmpty()) {
                written.add(segment);
            }
        }
        return written;
    }

    /** Start offsets of the records in a segment file. */
    static List<Integer> recordOffsets(Path segment) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> offsets = new ArrayList<>();
        int offset = 0;
        while (offset + RecordDescriptor.HEADER_LENGTH <= b.capacity() && b.getInt(offset) != 0) {
            offsets.add(offset);
            offset = (int) RecordDescriptor.align(offset + (long) b.getInt(offset));
        }
        return offsets;
    }

    /** The CRC seed of a segment file's records, from its store's manifest. */
    static long crcSeed(Path segment) throws IOException {
        return RecordCodec.seed(StoreRoot.readManifest(segment.getParent().getParent()).recordSeed(),
            Segment.parseId(segment.getFileName().toString()));
    }

    static int frameLength(Path segment, int offset) throws IOException {
        return readInt(segment, offset);
    }

    static int readInt(Path file, long offset) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            c.read(b, offset);
            return b.getInt(0);
        }
    }

    static void flipBit(Path file, long offset, int bit) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            c.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ (1 << bit)));
            c.write(b.rewind(), offset);
        }
    }

    /**
     * Copies a store's files (not its lock) as they are now: with the mappings shared, what kill -9
     * at this moment would leave. A file deleted while the copy walks is skipped, as a crash would.
     */
    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals(StoreRoot.LOCK_FILE)) {
                    try {
                        Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } catch (java.nio.file.NoSuchFileException gone) {
                        // deleted while walking (a temporary file renamed)
                    }
                }
            }
        }
    }

    /** Rewrites the manifest's mark of the first segment that may be unsynced, as a background seal cut short leaves it. */
    static void recordUnsyncedFrom(Path root, long segmentId) throws IOException {
        Path manifest = root.resolve(StoreRoot.MANIFEST_FILE);
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(manifest)) {
            p.load(r);
        }
        p.setProperty(StoreRoot.UNSYNCED_FROM, String.valueOf(segmentId));
        try (java.io.Writer w = Files.newBufferedWriter(manifest)) {
            p.store(w, null);
        }
    }

    static void zero(Path file, long offset, int length) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(length), offset);
        }
    }
}
