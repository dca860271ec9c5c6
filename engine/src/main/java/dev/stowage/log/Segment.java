package dev.stowage.log;

import dev.stowage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One pre-allocated, memory-mapped segment file of the log.
 *
 * <p>Files are created at full size by writing zeros (so the blocks are allocated, or reserved,
 * and a full disk shows up here, not in the middle of an append), synced with their directory
 * ({@link Zeros} says how far), then mapped and pre-touched, all off the writer thread; or a
 * compacted segment's file is reused ({@link #recycle}), which writes no zeros. Zero bytes at a
 * record position (the end mark, {@link RecordDescriptor}) mean "no more records".
 *
 * <p><b>Two ways to write</b> ({@link LogStore.WriteMode}). Every segment is mapped read-only for
 * reading ({@link #buffer()}: never write through it). A mapped segment that takes appends also
 * has a second, read-write mapping ({@link #appendBuffer()}): the writer encodes records straight
 * into it, and {@code msync} makes them durable. A <em>positional</em> segment has none; the writer
 * encodes records elsewhere ({@link AppendWindow}), writes them with positional {@code pwrite} and
 * syncs with {@code fdatasync}; in NFS mode it also closes the file after each batch so another
 * host's open sees them (close-to-open consistency).
 *
 * <p><b>The seal</b> ends the appends ({@link #endAppends}) before its sync: the read-write
 * mapping is released, and the sync is an {@code fsync} of the file. An {@code msync} of a
 * writable mapping write-protects each dirty page with a TLB flush, an interrupt to every other
 * core running the process: 480 ms of CPU per 128 MiB segment on this project's 2-vCPU VM, against
 * 7-9 ms for the unmap and {@code fsync} (docs/benchmarks.md, run 19). Read-only mappings cost the
 * writeback nothing: their pages are never dirty in them.
 *
 * <p><b>Lifetime</b>: reference counted. The store holds one reference; each open reader holds
 * one more. The mapping is released deterministically when the last reference goes, never while a
 * reader can still touch it.
 *
 * <p><b>Thread-safety</b>: appends come from the thread holding the writer role
 * ({@link LogWriter}) only; syncs, and zeros over a cut batch, of ranges the writer has written
 * also from its {@link Committer} (while the file stays open: the writer closes it only when the
 * committer is idle) or the {@link Sealer}; reads of committed ranges from any thread; reference
 * counting is thread-safe. Positional writes, zeros, opening and closing the file, an
 * {@code msync} and releasing the read-write mapping hold the segment's monitor, so none of them
 * touches a released mapping; an {@code fdatasync} or {@code fsync} does not, so the next batch
 * is written while one is synced.
 */
final class Segment {
    /** File name suffix of segment files. */
    static final String SUFFIX = ".seg";
    /** File name suffix of spare files: compacted segments kept for reuse ({@link #recycle}). */
    static final String SPARE_SUFFIX = ".spare";

    private final long id;
    /** CRC seed of this segment's records ({@link RecordCodec#seed}). */
    private final long crcSeed;
    private final Path path;
    /** The whole file, read-only: what every read goes through. */
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    /**
     * Mapped write mode, while the segment takes appends: the whole file again, read-write, else
     * {@code null}. Guarded by {@code this}.
     */
    private MappedByteBuffer writable;
    /** {@link #writable} as an Agrona buffer, or {@code null} when there is none. */
    private volatile UnsafeBuffer appendBuffer;
    private final ReferenceCount references = new ReferenceCount();
    private final boolean positional;
    /**
     * The file for syncs without a read-write mapping (positional, or appends ended), else
     * {@code null}. Opened with {@link #writeChannel} and
     * before any write through it, so its {@code fdatasync} reports every writeback error of those
     * writes; used by the store's own threads only, so never closed by a caller's interrupt.
     * Guarded by {@code this}.
     */
    private FileChannel syncChannel;
    /**
     * The file for writes without a read-write mapping, else {@code null}. A caller that appends for itself
     * ({@link LogStore.Builder#callerAppends}) writes through it, and an interrupt of its thread
     * closes it; {@link #writeFully} then opens it again. Guarded by {@code this}.
     */
    private FileChannel writeChannel;
    /**
     * Record bytes in this segment that hold a current version, kept by {@link LogIndex} (one
     * writing thread at a time); read by compaction to find reclaimable segments.
     */
    private volatile long liveBytes;
    /**
     * Offsets of this segment's records whose versions the index superseded in this process
     * ({@link #superseded(int)}), the first {@link #supersededCount} of them: compaction skips
     * those without looking their keys up. A record superseded before the store opened is not
     * listed, and compaction looks it up as before. Grown by the index's one writing thread at a
     * time; the count is stored after the array and its element, so a reader that reads the count
     * first sees both. Heap: 4 bytes per superseded record (about 0.4 % of 1 KiB records), at most
     * a 64th of the segment's size ({@link #MAX_SUPERSEDED_SHARE}), as much as a bitmap of its
     * 8-byte-aligned offsets would take: records past that are looked up.
     */
    private volatile int[] superseded = new int[0];
    private volatile int supersededCount;

    /** The list of {@link #superseded} takes at most the segment's size divided by this, in bytes. */
    static final int MAX_SUPERSEDED_SHARE = 64;
    /** Bytes between two touched bytes of a fresh mapping: the smallest page size in use (larger pages are touched as often). */
    private static final int TOUCH_STRIDE = 4096;
    /**
     * 1 MiB of zeros, shared by every segment and never written: the source of zero-fills (each
     * use takes its own duplicate), so that no fill allocates direct memory, which only a GC frees.
     */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    /** How far a fresh segment's zeros reach the disk before it is used. */
    enum Zeros {
        /**
         * Written and synced: syncing appended records then commits no block allocation (each
         * batch's sync under SYNC durability, each interval's under GROUP when it runs on the
         * appending thread).
         */
        SYNCED,
        /**
         * The file's size synced, its blocks reserved by writing zeros into the page cache: the
         * appends overwrite them there, so each block reaches the disk once, when a sync covers
         * it: the seal under NONE durability, where nothing is synced per batch, or an interval's
         * sync under GROUP with background syncs, whose block allocations the sealer's thread
         * commits beside the appends. A power loss leaves a segment of full size whose unwritten
         * blocks read as zeros.
         */
        RESERVED
    }

    /** Mappings not yet released, in this JVM (for leak checks). */
    static final AtomicInteger LIVE_MAPPINGS = new AtomicInteger();

    private Segment(long id, long recordSeed, Path path, MappedByteBuffer mapped, boolean positional) {
        this.id = id;
        this.crcSeed = RecordCodec.seed(recordSeed, id);
        this.path = path;
        this.mapped = mapped;
        this.positional = positional;
        this.buffer = new UnsafeBuffer(mapped);
        LIVE_MAPPINGS.incrementAndGet();
    }

    static String fileName(long id) {
        return String.format("%016x%s", id, SUFFIX);
    }

    /** Name of a spare file that segment {@code id}'s file becomes once compacted; {@code attempt} tells apart names already taken. */
    static String spareFileName(long id, int attempt) {
        return String.format("%016x-%d%s", id, attempt, SPARE_SUFFIX);
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
     * Creates a zero-filled segment of {@code size} bytes, its directory entry and size durable
     * (its zeros as {@code zeros} says), and maps it with every page touched.
     */
    static Segment create(Path directory, long id, long recordSeed, int size, Syncer syncer, boolean positional, Zeros zeros)
        throws IOException {
        Path path = directory.resolve(fileName(id));
        Path temp = directory.resolve(fileName(id) + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            if (zeros == Zeros.RESERVED) {
                // The size alone (a sparse file: one block and the inode to sync) before the zeros.
                channel.write(ByteBuffer.allocate(1), size - 1);
                channel.force(true);
            }
            writeZeros((chunk, at) -> writeAll(channel, chunk, at), 0, size);
            if (zeros == Zeros.SYNCED) {
                channel.force(true);
            }
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        syncer.syncDirectory(directory);
        return mapTouched(id, recordSeed, path, size, positional);
    }

    /**
     * Makes {@code spare}, the file of a compacted segment ({@link #spareFileName}) of {@code size}
     * bytes, segment {@code id}: its first header is zeroed and synced (so it reads as empty until its first
     * record), the file renamed and the directory synced, then mapped and touched as by
     * {@link #create}. No block is allocated and nothing else written: the bytes after the log's
     * end are left from the file's earlier use, and the end mark and the seeded CRC
     * ({@link RecordDescriptor}) keep them out of the log.
     */
    static Segment recycle(Path spare, Path directory, long id, long recordSeed, int size, Syncer syncer, boolean positional)
        throws IOException {
        try (FileChannel channel = FileChannel.open(spare, StandardOpenOption.WRITE)) {
            writeZeros((chunk, at) -> writeAll(channel, chunk, at), 0, RecordDescriptor.END_MARK_LENGTH);
            channel.force(false);
        }
        Path path = directory.resolve(fileName(id));
        Files.move(spare, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        syncer.syncDirectory(directory);
        return mapTouched(id, recordSeed, path, size, positional);
    }

    private static Segment mapTouched(long id, long recordSeed, Path path, long size, boolean positional) throws IOException {
        Segment segment = map(id, recordSeed, path, size, positional);
        try {
            segment.mapForAppends();
            segment.touchForWriting();
            segment.mapped.load();
        } catch (IOException | RuntimeException e) {
            segment.release();
            throw e;
        }
        return segment;
    }

    /**
     * Stores a zero (what the page holds) into every page of the read-write mapping, if any.
     * Reading the pages in ({@code load}) maps them read-only, as the kernel tracks a shared
     * mapping's dirty pages by write-protecting clean ones, so the writer would still take a fault
     * at its first record in each page (most of a buffered append's time here); a store leaves
     * them writable.
     */
    private void touchForWriting() {
        UnsafeBuffer target = appendBuffer;
        for (int at = 0; target != null && at < target.capacity(); at += TOUCH_STRIDE) {
            target.putByte(at, (byte) 0);
        }
    }

    /**
     * Maps an existing segment for reading; {@link #mapForAppends} before appending to it.
     */
    static Segment open(Path path, long id, long recordSeed, boolean positional) throws IOException {
        return map(id, recordSeed, path, Files.size(path), positional);
    }

    /**
     * Mapped write mode: maps the file read-write for appends ({@link #appendBuffer}), unless it
     * is mapped so already. A no-op for positional segments.
     */
    synchronized void mapForAppends() throws IOException {
        if (positional || writable != null) {
            return;
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            writable = channel.map(FileChannel.MapMode.READ_WRITE, 0, mapped.capacity());
        }
        LIVE_MAPPINGS.incrementAndGet();
        appendBuffer = new UnsafeBuffer(writable);
    }

    /**
     * The read-write mapping that records are encoded into (mapped write mode).
     *
     * @throws IllegalStateException if there is none: the segment is positional, or its appends
     *         ended ({@link #endAppends}), or it was never {@linkplain #mapForAppends mapped for them}
     */
    UnsafeBuffer appendBuffer() {
        UnsafeBuffer target = appendBuffer;
        if (target == null) {
            throw new IllegalStateException(this + " takes no appends through a mapping");
        }
        return target;
    }

    /**
     * The segment takes no more appends (it is sealed): releases its read-write mapping, so that
     * its syncs from now on are {@code fsync}s of the file, and zeros over a cut batch
     * positional writes. Idempotent.
     */
    synchronized void endAppends() {
        if (writable != null) {
            appendBuffer = null;
            IoUtil.unmap(writable);
            writable = null;
            LIVE_MAPPINGS.decrementAndGet();
        }
    }

    /**
     * Seals this segment: ends its appends, so that the sync is not an {@code msync}, syncs its
     * unsynced {@code [from, to)} through {@code syncer}, and closes the file. On the thread holding
     * the writer role, or the {@link Sealer}'s once the writer appends to the next segment.
     *
     * @throws RuntimeException as {@link Syncer#sync} does, if the range may not be durable
     */
    void syncSealed(Syncer syncer, int from, int to) {
        endAppends();
        syncer.sync(this, from, to);
        closeFile();
    }

    /** Maps an existing segment read-only (offline tools; never written through). */
    static Segment openReadOnly(Path path, long id, long recordSeed) throws IOException {
        long size = checkSize(path, Files.size(path));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return new Segment(id, recordSeed, path, channel.map(FileChannel.MapMode.READ_ONLY, 0, size), false);
        }
    }

    private static Segment map(long id, long recordSeed, Path path, long size, boolean positional) throws IOException {
        checkSize(path, size);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return new Segment(id, recordSeed, path, channel.map(FileChannel.MapMode.READ_ONLY, 0, size), positional);
        }
    }

    /**
     * Positional mode: writes {@code length} bytes of {@code source} from {@code sourceIndex} to
     * {@code at} in the file (no sync).
     *
     * @throws UncheckedIOException if the write fails (e.g. the disk is full)
     */
    void write(UnsafeBuffer source, int sourceIndex, int at, int length) {
        ByteBuffer view = source.byteBuffer().duplicate();
        int base = (int) source.wrapAdjustment();
        view.limit(base + sourceIndex + length).position(base + sourceIndex);
        try {
            writeFully(view, at);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + length + " bytes at " + at + " of " + path, e);
        }
    }

    /**
     * Writes {@code source} at {@code at} through {@link #writeChannel}. An interrupt of the calling
     * thread closes the channel and cuts the write short: the write is repeated whole (the same
     * bytes at the same place) through the file opened again, and the thread keeps its interrupt.
     */
    private synchronized void writeFully(ByteBuffer source, long at) throws IOException {
        openFile();
        int start = source.position();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    writeAll(writeChannel, source, at);
                    return;
                } catch (ClosedByInterruptException e) {
                    interrupted = Thread.interrupted() || interrupted;
                    writeChannel = FileChannel.open(path, StandardOpenOption.WRITE);
                    source.position(start);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Writes the rest of {@code source} at {@code at} of {@code channel}, in as many writes as it takes. */
    private static void writeAll(FileChannel channel, ByteBuffer source, long at) throws IOException {
        for (long to = at; source.hasRemaining(); ) {
            to += channel.write(source, to);
        }
    }

    /** Writes all of a buffer at a position of a file. */
    @FunctionalInterface
    private interface PositionalWrite {
        void write(ByteBuffer source, long at) throws IOException;
    }

    /** Writes zeros over {@code [from, to)} through {@code write}, from {@link #ZEROS}. */
    private static void writeZeros(PositionalWrite write, long from, long to) throws IOException {
        ByteBuffer chunk = ZEROS.duplicate();
        for (long at = from; at < to; at += chunk.limit()) {
            write.write(chunk.clear().limit((int) Math.min(chunk.capacity(), to - at)), at);
        }
    }

    /** Opens {@link #syncChannel}, then {@link #writeChannel}, unless open. */
    private synchronized void openFile() throws IOException {
        if (syncChannel == null) {
            syncChannel = FileChannel.open(path, StandardOpenOption.WRITE);
            try {
                writeChannel = FileChannel.open(path, StandardOpenOption.WRITE);
            } catch (IOException e) {
                closeFile();
                throw e;
            }
        }
    }

    /**
     * Closes the file opened for positional writes and syncs, once sealed or (NFS mode) after
     * every batch so that another host opening it sees the batch (close-to-open); the next write
     * or sync opens it again. No-op if it is not open.
     */
    synchronized void closeFile() {
        if (syncChannel != null) {
            try (FileChannel sync = syncChannel; FileChannel write = writeChannel) {
                // Closes both: the write channel also when closing the sync channel fails.
            } catch (IOException e) {
                throw new UncheckedIOException("closing " + path, e);
            } finally {
                syncChannel = null;
                writeChannel = null;
            }
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

    /** The CRC seed of this segment's records. */
    long crcSeed() {
        return crcSeed;
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
     * Syncs {@code [from, to)} to the device, and the end mark after it when the log ends at
     * {@code to} ({@link RecordDescriptor#END_MARK_LENGTH}).
     *
     * @throws UncheckedIOException if the sync fails
     */
    void force(int from, int to) {
        if (to <= from) {
            return;
        }
        try {
            FileChannel sync = null;
            synchronized (this) {
                if (writable != null) {
                    writable.force(from, Math.min(capacity(), to + RecordDescriptor.END_MARK_LENGTH) - from);
                    return;
                }
                if (positional) {
                    openFile();
                    sync = syncChannel;
                }
            }
            // Outside the lock: a caller's write of the next batch goes on during the sync.
            if (sync != null) {
                sync.force(false);
            } else {
                // Appends ended (a seal), maybe on an interrupted caller's thread: msync was not
                // interruptible, and neither is this, where a FileChannel's sync would be.
                FileSync.file(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("syncing " + path, e);
        }
    }

    /** Writes zeros over {@code [from, to)}: cuts off records that must not survive. */
    synchronized void zero(int from, int to) {
        if (to <= from) {
            return;
        }
        if (writable != null) {
            appendBuffer.setMemory(from, to - from, (byte) 0);
            return;
        }
        try {
            writeZeros(this::writeFully, from, to);
        } catch (IOException e) {
            throw new UncheckedIOException("writing zeros over [" + from + ", " + to + ") of " + path, e);
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

    /** Notes that the record at {@code recordOffset} holds a superseded version; called by the index's single writing thread only. */
    @SuppressWarnings("NonAtomicOperationOnVolatileField")
    void superseded(int recordOffset) {
        int n = supersededCount;
        int[] offsets = superseded;
        if (n == offsets.length) {
            int most = capacity() / MAX_SUPERSEDED_SHARE / Integer.BYTES;
            if (n >= most) {
                return;
            }
            offsets = Arrays.copyOf(offsets, Math.min(most, Math.max(64, 2 * n)));
            superseded = offsets;
        }
        offsets[n] = recordOffset;
        supersededCount = n + 1;
    }

    /** The offsets noted by {@link #superseded(int)} so far, sorted; any thread. */
    int[] supersededOffsets() {
        int n = supersededCount;
        int[] sorted = Arrays.copyOf(superseded, n);
        Arrays.sort(sorted);
        return sorted;
    }

    /**
     * Takes a reference for a reader.
     *
     * @return false if the segment is already released (the caller must not touch it)
     */
    boolean retain() {
        return references.retain();
    }

    /**
     * Drops a reference; the last one unmaps the file.
     *
     * @return whether that was the last reference: no reader in this process maps the file any more
     * @throws IllegalStateException on a release too many
     */
    boolean release() {
        if (!references.release(path)) {
            return false;
        }
        closeFile();
        endAppends();
        IoUtil.unmap(mapped);
        LIVE_MAPPINGS.decrementAndGet();
        return true;
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
