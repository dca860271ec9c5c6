package dev.stowage.log;

import dev.stowage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One pre-allocated, memory-mapped segment file of the log.
 *
 * <p>Files are created at full size by writing zeros (so the blocks are allocated and a full disk
 * shows up here, not in the middle of an append), synced with their directory, then mapped and
 * pre-touched, all off the writer thread. Zero bytes at a record position mean "no more records".
 *
 * <p><b>Lifetime</b>: reference counted. The store holds one reference; each open reader holds
 * one more. The mapping is released deterministically when the last reference goes, never while a
 * reader can still touch it.
 *
 * <p><b>Thread-safety</b>: appends come from the writer thread only; reads of committed ranges
 * from any thread; reference counting is thread-safe.
 */
final class Segment {
    /** File name suffix of segment files. */
    static final String SUFFIX = ".seg";

    private final long id;
    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final AtomicInteger references = new AtomicInteger(1);
    /**
     * Record bytes in this segment that hold a current version, kept by {@link LogIndex} (one
     * writing thread at a time); read by compaction to find reclaimable segments.
     */
    private volatile long liveBytes;

    /** Mappings not yet released, in this JVM (for leak checks). */
    static final AtomicInteger LIVE_MAPPINGS = new AtomicInteger();

    private Segment(long id, Path path, MappedByteBuffer mapped) {
        this.id = id;
        this.path = path;
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        LIVE_MAPPINGS.incrementAndGet();
    }

    static String fileName(long id) {
        return String.format("%016x%s", id, SUFFIX);
    }

    /** Parses a segment id from a file name, or returns -1 if the name is not a segment's. */
    static long parseId(String fileName) {
        if (!fileName.endsWith(SUFFIX) || fileName.length() != 16 + SUFFIX.length()) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(fileName.substring(0, 16), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Creates a zero-filled segment of {@code size} bytes, durable with its directory entry, and
     * maps it with every page touched.
     */
    static Segment create(Path directory, long id, int size, Syncer syncer) throws IOException {
        Path path = directory.resolve(fileName(id));
        Path temp = directory.resolve(fileName(id) + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
            for (long written = 0; written < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - written));
                written += channel.write(zeros, written);
            }
            channel.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        syncer.syncDirectory(directory);
        Segment segment = map(id, path, size);
        segment.mapped.load();
        return segment;
    }

    /** Maps an existing segment for reading and appending. */
    static Segment open(Path path, long id) throws IOException {
        return map(id, path, Files.size(path));
    }

    /** Maps an existing segment read-only (offline tools; never written through). */
    static Segment openReadOnly(Path path, long id) throws IOException {
        long size = checkSize(path, Files.size(path));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return new Segment(id, path, channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
    }

    private static Segment map(long id, Path path, long size) throws IOException {
        checkSize(path, size);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new Segment(id, path, channel.map(FileChannel.MapMode.READ_WRITE, 0, size));
        }
    }

    private static long checkSize(Path path, long size) {
        if (size > Integer.MAX_VALUE || size < RecordDescriptor.HEADER_LENGTH) {
            throw new StorageException("segment " + path + " is " + size + " bytes; expected " + RecordDescriptor.HEADER_LENGTH
                + " bytes to 2 GiB");
        }
        return size;
    }

    long id() {
        return id;
    }

    Path path() {
        return path;
    }

    int capacity() {
        return buffer.capacity();
    }

    /** The whole mapping as an Agrona buffer. */
    UnsafeBuffer buffer() {
        return buffer;
    }

    /** A read-only view of {@code [offset, offset + length)} positioned at 0. */
    ByteBuffer slice(int offset, int length) {
        return mapped.asReadOnlyBuffer().position(offset).limit(offset + length).slice();
    }

    /**
     * Syncs {@code [from, to)} to the device.
     *
     * @throws UncheckedIOException if the sync fails
     */
    void force(int from, int to) {
        if (to > from) {
            mapped.force(from, to - from);
        }
    }

    /** Writes zeros over {@code [from, to)}: cuts off records that must not survive. */
    void zero(int from, int to) {
        if (to > from) {
            buffer.setMemory(from, to - from, (byte) 0);
        }
    }

    /** Record bytes holding a current version (see {@link LogIndex}). */
    long liveBytes() {
        return liveBytes;
    }

    /** Adjusts {@link #liveBytes()}; called by the index's single writing thread only. */
    @SuppressWarnings("NonAtomicOperationOnVolatileField")
    void addLiveBytes(long delta) {
        liveBytes += delta;
    }

    /**
     * Takes a reference for a reader.
     *
     * @return false if the segment is already released (the caller must not touch it)
     */
    boolean retain() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Drops a reference; the last one unmaps the file. */
    void release() {
        if (references.decrementAndGet() == 0) {
            IoUtil.unmap(mapped);
            LIVE_MAPPINGS.decrementAndGet();
        }
    }

    /** References currently held (the store's own included while open). */
    int references() {
        return references.get();
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
