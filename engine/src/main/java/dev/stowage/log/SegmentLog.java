package dev.stowage.log;

import dev.stowage.CorruptionException;
import dev.stowage.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered segments of a store and the append position. Once the active segment is half
 * full, the next one is prepared (created, zero-filled, synced, mapped, touched) on a background
 * thread, so a roll only swaps a reference: the writer thread neither creates files nor takes page
 * faults on a fresh segment, and an idle store does not hold a spare segment it may never need.
 * (A single record larger than half a segment can reach the end first; that roll waits.) Under
 * {@link Segment.Zeros#RESERVED} (NONE, and GROUP with background syncs) the next {@value #RESERVED_PREPARED_AHEAD} are
 * prepared as soon as the active segment holds a sixteenth of its size
 * ({@link #RESERVED_PREPARE_FROM}): appends that wait for no sync fill a segment about
 * as fast as a fresh one is zero-filled (0.5 s against 0.36 s per 128 MiB on the 2-vCPU VM of
 * docs/benchmarks.md, run 19), so with one ahead a busy moment made the writer wait at the roll.
 * A preparation that fails (a full disk) fails the write that needed the roll with a typed error,
 * drops the segments prepared after it, and is retried on the next roll; the store stays readable.
 *
 * <p><b>Spares</b>: the file of a compacted segment may be kept ({@link #keepAsSpare}) and reused
 * for a later segment ({@link Segment#recycle}): its blocks are allocated and usually still in
 * the page cache, so it needs no zero-fill, which otherwise writes every segment twice. How many
 * are kept follows the pace of the log ({@link #keepSparesFor}).
 *
 * <p>Thread-safety: {@link #position()}, {@link #advance}, {@link #roll()} are called by the thread
 * holding the writer role ({@link LogWriter}) only; {@link #segments()}, {@link #active()} and
 * {@link #sealed()} may be read by any thread; {@link #retire}, {@link #keepAsSpare} and
 * {@link #keepSparesFor} are called by compaction; spares are taken by the preparer thread.
 */
final class SegmentLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentLog.class);
    /** Segments prepared ahead under {@link Segment.Zeros#RESERVED}; one otherwise. */
    static final int RESERVED_PREPARED_AHEAD = 2;
    /**
     * Under {@link Segment.Zeros#RESERVED} the segments ahead are prepared once the active one holds
     * this share (1/n) of its size: a store that writes little holds none (each costs a segment of
     * disk and page cache, and its zero-fill and page touching a third of a second of a core on the
     * VM of docs/benchmarks.md, run 22), while a busy one starts them a few milliseconds after a roll.
     */
    static final int RESERVED_PREPARE_FROM = 16;
    private final Path directory;
    private final Syncer syncer;
    private final int segmentSize;
    private final long recordSeed;
    /** At least this many spare files are kept, if there are any to keep ({@link LogStore.Builder#spareSegments}); 0: none. */
    private final int minSpares;
    /** How many spare files are kept now: {@link #minSpares}, or more while the log starts segments faster ({@link #keepSparesFor}). */
    private volatile int wantedSpares;
    /** Spare files (compacted segments kept for reuse): added by compaction, taken by the preparer. */
    private final Deque<Path> spares = new ConcurrentLinkedDeque<>();
    private final boolean positional;
    private final Segment.Zeros zeros;
    /** Segments prepared ahead: {@link #RESERVED_PREPARED_AHEAD} under reserved zeros, one otherwise. */
    private final int ahead;
    /** They are prepared once the active segment holds this share (1/n) of its size: {@link #RESERVED_PREPARE_FROM}, or half. */
    private final int prepareFrom;
    private final List<Segment> segments = new CopyOnWriteArrayList<>();
    private final ExecutorService preparer;
    /** Segments being prepared, or prepared, ahead of the active one: the ids right after its id, in order. */
    private final Deque<CompletableFuture<Segment>> prepared = new ArrayDeque<>();
    private Runnable onRoll = () -> { };
    private volatile Segment active;
    private int position;

    private SegmentLog(Path directory, int segmentSize, long recordSeed, int minSpares, String name, Syncer syncer, boolean positional,
                       Segment.Zeros zeros) {
        this.directory = directory;
        this.recordSeed = recordSeed;
        this.minSpares = minSpares;
        this.wantedSpares = minSpares;
        this.positional = positional;
        this.zeros = zeros;
        this.ahead = zeros == Segment.Zeros.RESERVED ? RESERVED_PREPARED_AHEAD : 1;
        this.prepareFrom = zeros == Segment.Zeros.RESERVED ? RESERVED_PREPARE_FROM : 2;
        this.syncer = syncer;
        this.segmentSize = segmentSize;
        this.preparer = BackgroundThread.named("stowage-segment-preparer-" + name);
    }

    /**
     * Maps every segment file of {@code directory} from the log start on, ascending by id (creating
     * the first if there is none); deletes segments below the log start, which a crash left behind
     * after compaction recorded the new start.
     *
     * @throws CorruptionException if compaction moved the log start but no segment is left
     */
    static SegmentLog open(Path directory, int segmentSize, long recordSeed, int minSpares, String name, Syncer syncer,
                           StoreRoot.LogStart start, boolean positional, Segment.Zeros zeros) throws IOException {
        SegmentLog log = new SegmentLog(directory, segmentSize, recordSeed, minSpares, name, syncer, positional, zeros);
        try {
            List<Long> ids = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
                for (Path file : files) {
                    String fileName = file.getFileName().toString();
                    long id = Segment.parseId(fileName);
                    if (id >= 0 && id < start.firstSegment()) {
                        Files.delete(file); // compacted away; its deletion was cut short by a crash
                    } else if (id >= 0) {
                        ids.add(id);
                    } else if (fileName.endsWith(Segment.SUFFIX + ".tmp")) {
                        Files.delete(file); // a preparation cut short by a crash
                    } else if (fileName.endsWith(Segment.SPARE_SUFFIX)) {
                        log.keepOrDelete(file);
                    }
                }
            }
            ids.sort(Long::compare);
            for (long id : ids) {
                log.segments.add(Segment.open(directory.resolve(Segment.fileName(id)), id, recordSeed, positional));
            }
            if (log.segments.isEmpty() && start.firstSegment() != StoreRoot.LogStart.ORIGIN.firstSegment()) {
                throw new CorruptionException(directory.toString(), 0,
                    "records missing: no segment is left, the log starts at segment " + start.firstSegment());
            }
            if (log.segments.isEmpty()) {
                log.segments.add(Segment.create(directory, start.firstSegment(), recordSeed, segmentSize, syncer, positional, zeros));
            }
            return log;
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** Segments in log order, the spare ones after the active segment included until {@link #resumeAt}. */
    List<Segment> segments() {
        return segments;
    }

    /**
     * Continues appending in segment {@code index} at {@code offset}. Later segments hold no
     * records (recovery checked): prepared ahead of the writer, they become spares again, or are
     * deleted when there is no room. The next segment is prepared in the background.
     */
    void resumeAt(int index, int offset) throws IOException {
        active = segments.get(index);
        active.mapForAppends();
        position = offset;
        boolean removed = false;
        while (segments.size() > index + 1) {
            Segment unused = segments.remove(segments.size() - 1);
            if (!(unused.release() && keepAsSpare(unused))) {
                Files.deleteIfExists(unused.path());
            }
            removed = true;
        }
        if (removed) {
            syncer.syncDirectory(directory);
        }
        prepareIfDue();
    }

    private void prepareIfDue() {
        while (prepared.size() < ahead && position >= active.capacity() / prepareFrom) {
            prepareNext();
        }
    }

    private void prepareNext() {
        long id = active.id() + prepared.size() + 1;
        prepared.add(CompletableFuture.supplyAsync(() -> {
            try {
                Segment recycled = recycleSpare(id);
                return recycled != null ? recycled : Segment.create(directory, id, recordSeed, segmentSize, syncer, positional, zeros);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, preparer));
    }

    /** Segment {@code id} made of a spare file, or {@code null} if there is none or it cannot be reused (it is then deleted). */
    private Segment recycleSpare(long id) {
        Path spare = spares.poll();
        if (spare == null) {
            return null;
        }
        try {
            return Segment.recycle(spare, directory, id, recordSeed, segmentSize, syncer, positional);
        } catch (IOException e) {
            LOG.warn("cannot reuse spare segment file {}, deleting it and creating segment {} anew: {}", spare, id, e.toString());
            try {
                Files.deleteIfExists(spare);
            } catch (IOException ignored) {
                // the next open deletes or keeps it
            }
            return null;
        }
    }

    /**
     * Keeps the file of a compacted segment that no reader maps any more as a spare for a later
     * segment, if there is room for one; otherwise the caller deletes it.
     *
     * @return whether the file was kept (renamed to {@link Segment#spareFileName})
     */
    synchronized boolean keepAsSpare(Segment compacted) throws IOException {
        if (!wantsSpare(compacted.capacity())) {
            return false;
        }
        // A segment id can come back (prepared ahead, never used), so can its spare name: never rename over one.
        Path spare = directory.resolve(Segment.spareFileName(compacted.id(), 0));
        for (int attempt = 1; Files.exists(spare); attempt++) {
            spare = directory.resolve(Segment.spareFileName(compacted.id(), attempt));
        }
        Files.move(compacted.path(), spare, StandardCopyOption.ATOMIC_MOVE);
        spares.add(spare);
        return true;
    }

    /**
     * Keeps {@code segments} spare files from now on if that is more than {@link #minSpares} (and
     * spares are on): the segments the log started since the last compaction pass that retired
     * some, which it will likely start again before the next one. A steady writer would otherwise
     * delete, at every pass, files it then creates again with a zero-fill each; at 330 MB/s of
     * buffered writes that made the writer wait at rolls for segments, over a second in 30
     * (docs/benchmarks.md, run 20). Deletes the spares beyond that: a store that slowed down gives
     * their disk back at the next pass.
     */
    synchronized void keepSparesFor(int segments) throws IOException {
        wantedSpares = minSpares == 0 ? 0 : Math.max(minSpares, segments);
        boolean deleted = false;
        while (spares.size() > wantedSpares) {
            Path extra = spares.pollLast();
            if (extra == null) {
                break; // the preparer took the rest
            }
            Files.deleteIfExists(extra);
            deleted = true;
        }
        if (deleted) {
            syncer.syncDirectory(directory);
        }
    }

    /** Segments being prepared, or prepared, ahead of the active one; by the writer role's holder. */
    int preparedAhead() {
        return prepared.size();
    }

    /** Spare files kept for reuse. */
    int spares() {
        return spares.size();
    }

    /** At open: keeps a spare file left by an earlier writer if {@link #wantsSpare wanted}, else deletes it. */
    private void keepOrDelete(Path spare) throws IOException {
        if (wantsSpare(Files.size(spare))) {
            spares.add(spare);
        } else {
            Files.delete(spare);
        }
    }

    /** Whether a spare file of {@code size} bytes is worth keeping: there is room for one, and it has the segment size. */
    private boolean wantsSpare(long size) {
        return spares.size() < wantedSpares && size == segmentSize;
    }

    Segment active() {
        return active;
    }

    /** Called by the writer (the thread holding its role) after each roll (a segment was sealed); must not block. */
    void onRoll(Runnable listener) {
        this.onRoll = listener;
    }

    /** The sealed segments, oldest first: every segment before the active one. */
    List<Segment> sealed() {
        List<Segment> sealed = new ArrayList<>();
        Segment current = active;
        for (Segment s : segments) {
            if (s == current) {
                break;
            }
            sealed.add(s);
        }
        return sealed;
    }

    /**
     * Drops a compacted segment from the log (it must be the oldest, sealed); the caller then
     * releases it and deletes its file.
     */
    void retire(Segment segment) {
        if (segments.isEmpty() || segments.get(0) != segment || segment == active) {
            throw new IllegalStateException(segment + " is not the oldest sealed segment");
        }
        segments.remove(0);
    }

    int position() {
        return position;
    }

    void advance(int bytes) {
        position += bytes;
        prepareIfDue();
    }

    /**
     * Makes the prepared segment active and starts preparing the one after it.
     *
     * @throws StorageException if no segment could be prepared (e.g. the disk is full)
     */
    void roll() {
        if (prepared.isEmpty()) {
            prepareNext();
        }
        Segment next;
        try {
            // Uninterruptibly: a caller running the writer (LogWriter.appendIfIdle) may be interrupted.
            next = prepared.poll().join();
        } catch (CompletionException e) {
            dropPrepared();
            throw new StorageException("cannot prepare the next segment in " + directory + ": " + e.getCause().getMessage(),
                e.getCause());
        }
        segments.add(next);
        active = next;
        position = 0;
        prepareIfDue();
        onRoll.run();
    }

    /**
     * Deletes the segments prepared after one whose preparation failed: the next roll prepares
     * that id again, and the log's segment ids stay contiguous.
     */
    private void dropPrepared() {
        for (CompletableFuture<Segment> later; (later = prepared.poll()) != null; ) {
            Segment unused;
            try {
                unused = later.join();
            } catch (CompletionException e) {
                continue; // failed as well: it left no file
            }
            unused.release();
            try {
                Files.deleteIfExists(unused.path());
            } catch (IOException e) {
                LOG.warn("cannot delete {}, prepared after a segment whose preparation failed: {}", unused, e.toString());
            }
        }
    }

    /** Stops preparation and drops the store's reference to every segment (readers keep theirs). */
    @Override
    public void close() {
        BackgroundThread.stop(preparer, "segment preparation");
        for (CompletableFuture<Segment> next : prepared) {
            if (next.isDone() && !next.isCompletedExceptionally()) {
                next.join().release();
            }
        }
        prepared.clear();
        for (Segment s : segments) {
            s.release();
        }
        segments.clear();
    }
}
