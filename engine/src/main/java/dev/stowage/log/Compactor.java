package dev.stowage.log;

import dev.stowage.CorruptionException;
import dev.stowage.StorageException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reclaims the space of superseded and deleted records, oldest segment first.
 *
 * <p><b>How</b>: while the sealed segments are dead enough ({@link LogStore.Builder#compactionDeadRatio}
 * of their bytes hold no current version) or too many ({@link LogStore.Builder#compactionMaxSegments}),
 * the oldest sealed segment is scanned and each record that still holds a current version is sent
 * to the writer as a {@code RELOCATE} command; the writer copies it forward only if it is still
 * current (so CAS and order stay exact) with its original LSN (so ETags survive). The segments a
 * pass emptied then leave the log together: one sync (copies are durable in every durability
 * mode), an index checkpoint that no longer names them, the new log start in the manifest (first
 * segment, last LSN before it). Their files are deleted, or kept as spares, once no in-process
 * reader holds them (reference count) and, while a follower is open in any process,
 * {@link LogStore.Builder#segmentDeleteGrace} has passed; blob files that only their records
 * referenced go with them.
 *
 * <p><b>Tombstones</b>: a delete record in the oldest segment is dropped, never copied: no older
 * version of its key can exist in any segment left (DESIGN.md §10: tombstones live until no older
 * version exists).
 *
 * <p><b>Crash at any point</b>: before the manifest names the new start, the old segment still
 * holds every record and the copies repeat versions at their original LSN, so replay yields the
 * same index and no double entries; after it, the open deletes the leftover segment.
 *
 * <p><b>Retention</b> ({@link LogStore.Builder#retention}, off by default): keys whose last update
 * is older are deleted through the writer under {@code ifMatch} of that version, so a concurrent
 * update wins, and the deletes appear in the change feed.
 *
 * <p>Thread-safety: runs on the store's maintenance thread only (with checkpoints).
 */
final class Compactor {
    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    /** Relocations in flight before the compactor waits for them. */
    static final int MAX_IN_FLIGHT = 256;

    /** What the compactor asks of the store: writes through the ring, and a checkpoint. */
    interface Store {
        CompletableFuture<String> relocate(String namespace, byte space, String key, Segment segment, int recordOffset);

        CompletableFuture<String> expire(String namespace, byte space, String key, long lsn);

        /**
         * Writes a checkpoint of the index as it is, published once every write applied so far (the
         * copies of a pass) is durable; {@code mayWait}: first waits a while for the log to be
         * synced anyway (by a seal or a group sync) before it asks for a sync.
         *
         * @throws dev.stowage.StorageException if the log could not be made durable or the store failed
         */
        void checkpoint(boolean mayWait) throws IOException;

        /** Whether the log has grown enough since the last checkpoint that one is due ({@link LogStore.Builder#checkpointLogBytes}). */
        boolean checkpointDue();
    }

    /** A compacted segment waiting for its grace period. */
    private record Retired(Segment segment, long deleteAtMillis, long[] blobIds) {
    }

    private final SegmentLog log;
    private final LogIndex index;
    private final StoreRoot root;
    private final BlobStore blobs;
    private final Syncer syncer;
    private final Store store;
    private final InstantSource clock;
    private final double deadRatio;
    private final int maxSegments;
    private final Duration grace;
    private final Duration retention;
    private final Throttle throttle;
    private final RecordCodec codec = new RecordCodec();
    private final List<Retired> retired = new ArrayList<>();
    private StoreRoot.LogStart start;
    /** The active segment's id at the last pass that retired segments, -1 before the first ({@link #paceSpares}). */
    private long lastRetiringActiveId = -1;
    private volatile boolean stopping;

    Compactor(SegmentLog log, LogIndex index, StoreRoot root, BlobStore blobs, Syncer syncer, Store store, InstantSource clock,
              double deadRatio, int maxSegments, long bytesPerSecond, Duration grace, Duration retention) {
        this.log = log;
        this.index = index;
        this.root = root;
        this.blobs = blobs;
        this.syncer = syncer;
        this.store = store;
        this.clock = clock;
        this.deadRatio = deadRatio;
        this.maxSegments = maxSegments;
        this.grace = grace;
        this.retention = retention;
        this.throttle = new Throttle(bytesPerSecond, System::nanoTime, LockSupport::parkNanos);
        this.start = root.logStart();
    }

    /** Ends a running pass at the next record (store closing). */
    void stop() {
        stopping = true;
    }

    /** Whether the sealed segments call for compaction now. */
    boolean due(List<Segment> sealed) {
        if (sealed.isEmpty()) {
            return false;
        }
        if (maxSegments > 0 && sealed.size() > maxSegments) {
            return true;
        }
        long capacity = 0;
        long live = 0;
        for (Segment s : sealed) {
            capacity += s.capacity();
            live += s.liveBytes();
        }
        return capacity - live >= deadRatio * capacity;
    }

    /**
     * One pass: expires keys past retention, copies the live records of the oldest sealed segments
     * forward while compaction is due (only segments sealed when the pass began), retires them
     * together (one checkpoint, whose wait for durability covers the copies, and one manifest update:
     * a fast writer seals segments faster than a sync each could retire them), deletes retired
     * segments past their grace.
     *
     * @param background a periodic pass, not one asked for: its copies may wait a while to be made
     *                   durable by the next seal rather than by a sync of their own
     */
    CompactionReport run(boolean background) throws IOException {
        long started = System.nanoTime();
        long expired = retention.isZero() ? 0 : expire();
        List<Segment> candidates = log.sealed();
        List<Emptied> emptied = new ArrayList<>();
        long copied = 0;
        long copiedBytes = 0;
        for (Segment segment : candidates) {
            if (stopping || !due(candidates.subList(emptied.size(), candidates.size()))) {
                break;
            }
            Emptied e = copyForward(segment);
            if (e == null) {
                break;
            }
            emptied.add(e);
            copied += e.recordsCopied;
            copiedBytes += e.bytesCopied;
            if (store.checkpointDue()) {
                // A pass copying many segments takes seconds: the checkpoint that bounds the replay
                // after a crash must not wait for its end.
                store.checkpoint(background);
            }
        }
        int retiredNow = emptied.isEmpty() ? 0 : retire(emptied, background);
        paceSpares(retiredNow > 0);
        long[] deleted = deleteRetired(clock.millis());
        CompactionReport report = new CompactionReport(retiredNow, copied, copiedBytes, (int) deleted[0], (int) deleted[3], deleted[1],
            (int) deleted[2], expired, Duration.ofNanos(System.nanoTime() - started));
        if (retiredNow > 0 || deleted[0] > 0 || expired > 0) {
            LOG.info("compacted {}: {}", root.root(), report);
        }
        return report;
    }

    /**
     * A segment whose current versions were copied forward: the last LSN of its ordinary records
     * (0 if none) and the blobs its records reference.
     */
    private record Emptied(Segment segment, long recordsCopied, long bytesCopied, long lastOrdinaryLsn, long[] blobIds) {
    }

    /**
     * Sends every record of {@code segment} that holds a current version to the writer to be
     * copied forward, and waits for the copies.
     *
     * @return what was copied, or {@code null} if the pass stopped
     */
    private Emptied copyForward(Segment segment) {
        UnsafeBuffer buffer = segment.buffer();
        // Records the index superseded in this process need no lookup of their keys; with many
        // keys, the lookups of the dead records were most of a pass's CPU (docs/benchmarks.md, run 20).
        int[] superseded = segment.supersededOffsets();
        List<CompletableFuture<String>> inFlight = new ArrayList<>();
        List<Long> blobIds = new ArrayList<>();
        long lastOrdinaryLsn = 0;
        long copied = 0;
        long copiedBytes = 0;
        int offset = 0;
        while (offset + RecordDescriptor.HEADER_LENGTH <= segment.capacity() && RecordCodec.frameLength(buffer, offset) != 0) {
            if (stopping) {
                return null;
            }
            String problem = codec.check(buffer, offset, segment.capacity(), segment.crcSeed());
            if (problem != null) {
                throw new CorruptionException(segment.path().toString(), offset, problem + " (found by compaction)");
            }
            int frame = RecordCodec.frameLength(buffer, offset);
            byte flags = RecordCodec.flags(buffer, offset);
            if ((flags & RecordDescriptor.FLAG_COPIED) == 0) {
                lastOrdinaryLsn = Math.max(lastOrdinaryLsn, RecordCodec.lsn(buffer, offset));
            }
            boolean put = RecordCodec.type(buffer, offset) == RecordDescriptor.TYPE_PUT;
            if (put && (flags & RecordDescriptor.FLAG_BLOB) != 0) {
                blobIds.add(buffer.getLong(RecordCodec.valueStart(buffer, offset) + RecordDescriptor.BLOB_ID_OFFSET,
                    ByteOrder.LITTLE_ENDIAN));
            }
            if (put && Arrays.binarySearch(superseded, offset) < 0) {
                String namespace = RecordCodec.namespace(buffer, offset);
                byte space = RecordCodec.space(buffer, offset);
                String key = RecordCodec.key(buffer, offset);
                IndexEntry current = index.get(namespace, space, key);
                if (current != null && current.segment == segment && current.recordOffset == offset) {
                    inFlight.add(store.relocate(namespace, space, key, segment, offset));
                    throttle.acquire(frame);
                    if (inFlight.size() >= MAX_IN_FLIGHT) {
                        copied += await(inFlight);
                    }
                    copiedBytes += RecordDescriptor.align(frame);
                }
            }
            offset = (int) Math.min(segment.capacity(), RecordDescriptor.align(offset + (long) frame));
        }
        copied += await(inFlight);
        return new Emptied(segment, copied, copiedBytes, lastOrdinaryLsn, blobIds.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * Checkpoints (which waits until the copies are durable), records the new log start, and takes
     * the emptied segments (the oldest, in order) out of the log. A pass that retires nothing
     * waits for nothing: its copies only have to be durable before their sources go.
     *
     * @return how many segments were retired (fewer than emptied if one still holds live bytes)
     */
    private int retire(List<Emptied> emptied, boolean background) throws IOException {
        int retiring = 0;
        long baseLsn = start.baseLsn();
        for (Emptied e : emptied) {
            if (e.segment.liveBytes() != 0) {
                // Every record was either copied or superseded, so nothing may point there; if the
                // accounting says otherwise, keeping the segment (and those after it) is the safe choice.
                LOG.error("{} still holds {} live bytes after compaction; it is kept", e.segment, e.segment.liveBytes());
                break;
            }
            baseLsn = Math.max(baseLsn, e.lastOrdinaryLsn);
            retiring++;
        }
        if (retiring == 0) {
            return 0;
        }
        store.checkpoint(background);
        StoreRoot.LogStart next = new StoreRoot.LogStart(emptied.get(retiring - 1).segment.id() + 1, baseLsn);
        root.recordLogStart(next);
        start = next;
        // The grace is for followers, the only readers in other processes. With none open it is
        // skipped: one opening later reads the new log start, as it registers before it reads.
        long deleteAt = clock.millis() + (root.followersMayBeOpen() ? grace.toMillis() : 0);
        for (int i = 0; i < retiring; i++) {
            log.retire(emptied.get(i).segment);
            retired.add(new Retired(emptied.get(i).segment, deleteAt, emptied.get(i).blobIds));
        }
        return retiring;
    }

    /**
     * Has the log keep spares for the segments it started since the last pass that retired some:
     * about what it starts before the next one. Passes that retire nothing (most of those a roll
     * asks for) do not restart the count, and an idle log's count is 0.
     */
    private void paceSpares(boolean retiring) throws IOException {
        long activeId = log.active().id();
        log.keepSparesFor(lastRetiringActiveId < 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, activeId - lastRetiringActiveId));
        if (retiring) {
            lastRetiringActiveId = activeId;
        }
    }

    /** Waits for the relocations in flight; returns how many copied a record. */
    private static long await(List<CompletableFuture<String>> inFlight) {
        long copied = 0;
        try {
            for (CompletableFuture<String> f : inFlight) {
                if (f.join() != null) {
                    copied++;
                }
            }
        } catch (CompletionException e) {
            throw e.getCause() instanceof StorageException ? (StorageException) e.getCause()
                : new StorageException("compaction copy failed: " + e.getCause(), e.getCause());
        } finally {
            inFlight.clear();
        }
        return copied;
    }

    /** Deletes keys not updated within the retention period; returns how many went. */
    private long expire() {
        long cutoff = clock.millis() - retention.toMillis();
        List<CompletableFuture<String>> deletes = new ArrayList<>();
        index.forEach((namespace, space, key, entry) -> {
            if (space != RecordDescriptor.SPACE_STAGED && entry.timestampMillis < cutoff) {
                deletes.add(store.expire(namespace, space, key, entry.lsn));
            }
        });
        long expired = 0;
        for (CompletableFuture<String> d : deletes) {
            try {
                d.join();
                expired++;
            } catch (CompletionException e) {
                // Updated or deleted since: the newer write wins.
            }
        }
        return expired;
    }

    /**
     * Deletes retired segments whose grace period has passed ({@code now} at or after its end), and
     * the blob files that no current version references any more. A segment's file is kept as a
     * spare instead ({@link SegmentLog#keepAsSpare}) when no reader maps it, in this process
     * (reference count) or in a follower's.
     *
     * @return {segments deleted or kept as spares, bytes reclaimed, blobs deleted, segments kept as spares}
     */
    private long[] deleteRetired(long now) throws IOException {
        long segments = 0;
        long spares = 0;
        long bytes = 0;
        long blobFiles = 0;
        boolean deletedAny = false;
        boolean followersMayBeOpen = oldestRetiredDue(now) && root.followersMayBeOpen();
        while (oldestRetiredDue(now)) {
            Retired r = retired.remove(0);
            boolean unmapped = r.segment.release();
            if (unmapped && !followersMayBeOpen && log.keepAsSpare(r.segment)) {
                spares++;
            } else {
                Files.deleteIfExists(r.segment.path());
            }
            deletedAny = true;
            segments++;
            bytes += r.segment.capacity();
            for (long id : r.blobIds) {
                if (index.blobReferences(id) == 0 && blobs.delete(id)) {
                    blobFiles++;
                }
            }
        }
        if (deletedAny) {
            syncer.syncDirectory(root.segmentsDirectory());
        }
        return new long[] {segments, bytes, blobFiles, spares};
    }

    /** Whether the oldest retired segment's grace period has passed at {@code now}. */
    private boolean oldestRetiredDue(long now) {
        return !retired.isEmpty() && retired.get(0).deleteAtMillis <= now;
    }

    /** Releases retired segments still in their grace period (store closing); the next open deletes their files. */
    void close() {
        retired.forEach(r -> r.segment.release());
        retired.clear();
    }

    /**
     * Paces copying to a rate in bytes per second ({@code 0} = unlimited) with an injected clock
     * and sleep, so tests check the pacing without sleeping.
     *
     * <p>Not thread-safe.
     */
    static final class Throttle {
        interface Sleeper {
            void sleepNanos(long nanos);
        }

        private final long bytesPerSecond;
        private final LongSupplier nanoClock;
        private final Sleeper sleeper;
        private long windowStart = Long.MIN_VALUE;
        private long windowBytes;

        Throttle(long bytesPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
            if (bytesPerSecond < 0) {
                throw new IllegalArgumentException("bytesPerSecond must not be negative: " + bytesPerSecond);
            }
            this.bytesPerSecond = bytesPerSecond;
            this.nanoClock = nanoClock;
            this.sleeper = sleeper;
        }

        /** Accounts for {@code bytes} about to be copied; sleeps while copying runs ahead of the rate. */
        void acquire(long bytes) {
            if (bytesPerSecond == 0) {
                return;
            }
            long now = nanoClock.getAsLong();
            if (windowStart == Long.MIN_VALUE || now - windowStart > 1_000_000_000L) {
                // A new window after an idle second: no credit is saved up for bursts.
                windowStart = now;
                windowBytes = 0;
            }
            windowBytes += bytes;
            long due = windowStart + (long) (windowBytes * 1e9 / bytesPerSecond);
            if (due > now) {
                sleeper.sleepNanos(due - now);
            }
        }
    }
}
