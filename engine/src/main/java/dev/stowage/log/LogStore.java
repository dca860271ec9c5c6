package dev.stowage.log;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventTranslator;
import com.lmax.disruptor.PhasedBackoffWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.stowage.Backend;
import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.ChangeListener;
import dev.stowage.ClosedException;
import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.InterruptedStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.Names;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.StagedEntry;
import dev.stowage.StagingBackend;
import dev.stowage.StorageException;
import dev.stowage.Subscription;
import dev.stowage.feed.ChangeFeed;
import dev.stowage.staging.PayloadStaging;
import dev.stowage.staging.StagedPayloadStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk logstore: a {@link Backend} whose writes go through a multi-producer Disruptor ring to
 * one writer thread that checks preconditions against an in-memory index, appends CRC-checked
 * records to pre-allocated memory-mapped segments and acknowledges each batch with one sync
 * (group commit). Under {@link Durability#sync()} (outside the NFS mode) the sync runs on a second
 * thread, the committer, while the writer appends the next batch; the batches that queue up
 * during one sync share the next. Open with {@link #builder(Path)} or {@code disk:///path?...}.
 *
 * <p><b>Durability</b>: as {@link Durability} says for the configured mode; {@link Durability#sync()}
 * by default. Readers never see a write before it is acknowledged.
 *
 * <p><b>Thread-safety</b>: every method may be called from any thread. Reads are lock-free from
 * the index and the mappings; writes are serialized by the writer role: the writer thread, or a
 * caller that finds the writer idle and appends its own write ({@link Builder#callerAppends}).
 * The {@code CompletableFuture} variants let one thread keep many
 * durable writes in flight; they complete on the committer thread under {@code SYNC} durability
 * and otherwise on the writer thread or the appending caller's, so attach work with the
 * {@code ...Async} methods of {@link CompletableFuture} rather than delay every other write.
 *
 * <p><b>Processes</b>: one writer per root, enforced by an OS file lock; a second open fails with
 * {@link StoreLockedException} naming the holder. Each open raises a durable writer epoch stamped
 * on every record.
 *
 * <p><b>Staging</b>: native. Promote is one atomic commit group (head written and staged entry
 * removed together, or neither, also across a crash).
 *
 * <p><b>Values</b>: up to {@link Builder#blobThreshold} bytes they are read by the caller's thread
 * and stored inline in the segment; larger ones are streamed by the caller's thread into a blob
 * file ({@link BlobStore}) that is synced before its small reference record is published. Either
 * way the writer never waits on a caller's stream, and a large write does not hold up small ones.
 */
public final class LogStore extends IndexedBackend implements StagingBackend {
    private static final Logger LOG = LoggerFactory.getLogger(LogStore.class);

    private static final AtomicInteger OPEN_STORES = new AtomicInteger();

    /** Bytes of a segment kept free for a record's header, names and attributes. */
    public static final int RECORD_RESERVE = 16 * 1024;

    private final Syncer syncer;
    private final Path root;
    private final StoreRoot storeRoot;
    private final SegmentLog segments;
    private final LogIndex index;
    private final LogWriter writer;
    private final Disruptor<WriteCommand> disruptor;
    private final RingBuffer<WriteCommand> ring;
    /** The last ring sequence the writer thread has handled. */
    private final Sequence handled;
    /** Whether a caller that finds the writer idle appends its write itself ({@link Builder#callerAppends}). */
    private final boolean callerAppends;
    private final ChangeFeed feed;
    private final PayloadStaging staging;
    private final Capabilities capabilities;
    private final RecoveryReport recoveryReport;
    private final Durability durability;
    private final int maxInlineBytes;
    private final BlobStore blobs;
    private final IndexReader reader;
    private final CommitWatermark watermark;
    /** NFS mode: appends by positional writes, closed per batch (see {@link Builder#nfs}). */
    private final boolean nfs;
    /** How records reach the segments: {@link WriteMode#MAPPED} or {@link WriteMode#POSITIONAL}. */
    private final WriteMode writeMode;
    private final ScheduledExecutorService syncTicker;
    /** The sync the last {@code GROUP} tick asked for ({@link #requestSync}); ticker thread only. */
    private CompletableFuture<String> groupSync = CompletableFuture.completedFuture(null);
    private final AtomicInteger publishers = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Checkpoints and compaction, one at a time. */
    private final ScheduledExecutorService maintenance;
    /** Drains new keys into the index's sorted sets ({@link KeyTree}), off the threads that create them. */
    private final ExecutorService keyDrainer;
    private final Compactor compactor;
    /** LSN of the newest checkpoint written or loaded; touched by the checkpoint thread, then by close. */
    private volatile long lastCheckpointLsn;
    /** Segment id where replay after the newest checkpoint would start (the log's first before any); see {@link #rolled}. */
    private volatile long lastCheckpointSegment;
    /** Segments of log after {@link #lastCheckpointSegment} that make a checkpoint due ({@link Builder#checkpointLogBytes}); 0: off. */
    private final long checkpointDueSegments;
    /** Times the newest checkpoint this store wrote ended and took, by {@link #clock}; see {@link #checkpointDue}. */
    private volatile long lastCheckpointEndMillis;
    private volatile long lastCheckpointTookMillis;
    private final InstantSource clock;
    private final boolean compactsOnRoll;
    private volatile boolean aborted;

    private LogStore(Builder b) throws IOException {
        this.root = b.root;
        this.syncer = b.syncer;
        this.durability = b.durability;
        this.storeRoot = StoreRoot.acquire(b.root, b.syncer);
        SegmentLog segmentLog = null;
        CommitWatermark mark = null;
        LogIndex opened = null;
        try {
            StoreRoot.LogStart logStart = storeRoot.logStart();
            this.nfs = b.nfs.applies(b.root);
            this.writeMode = b.writeMode.resolve(nfs, b.durability);
            boolean backgroundSync = b.backgroundSync && !b.durability.acknowledgesAfterSync() && writeMode == WriteMode.MAPPED;
            boolean positional = writeMode == WriteMode.POSITIONAL;
            // Zeros synced ahead only where writes wait for syncs (SYNC, GROUP without background syncs), so that
            // those syncs commit no block allocations; elsewhere each block reaches the disk once.
            segmentLog = SegmentLog.open(storeRoot.segmentsDirectory(), b.segmentSize, storeRoot.recordSeed(), b.spareSegments,
                b.root.getFileName().toString(), b.syncer, logStart, positional,
                (b.durability.mode() == Durability.Mode.NONE || backgroundSync) && !nfs ? Segment.Zeros.RESERVED : Segment.Zeros.SYNCED);
            this.segments = segmentLog;
            long recoveryStart = System.nanoTime();
            List<Segment> all = segmentLog.segments();
            Recovery.checkConsecutive(all, logStart.firstSegment());
            List<String> rejected = new ArrayList<>();
            Checkpoints.Loaded checkpoint = newestUsableCheckpoint(b.root, all, rejected, true);
            opened = checkpoint == null ? new LogIndex() : checkpoint.index();
            this.index = opened;
            Recovery.Position from = checkpoint == null ? new Recovery.Position(0, 0, logStart.baseLsn() + 1)
                : new Recovery.Position(indexOf(all, checkpoint.point().segmentId()), checkpoint.point().offset(),
                    checkpoint.point().lsn() + 1);
            RecoveryReport[] report = new RecoveryReport[1];
            long unsyncedFrom = storeRoot.unsyncedFrom();
            Recovery.Position position = new Recovery(index, true, unsyncedFrom).replay(all, from, report);
            this.recoveryReport = report[0].withCheckpoint(checkpoint == null ? -1 : checkpoint.point().lsn(),
                rejected.isEmpty() ? null : String.join("; ", rejected), Duration.ofNanos(System.nanoTime() - recoveryStart));
            this.lastCheckpointLsn = checkpoint == null ? -1 : checkpoint.point().lsn();
            this.lastCheckpointSegment = checkpoint == null ? logStart.firstSegment() : checkpoint.point().segmentId();
            this.checkpointDueSegments = b.checkpointLogBytes / b.segmentSize + (b.checkpointLogBytes % b.segmentSize == 0 ? 0 : 1);
            this.clock = b.clock;
            segmentLog.resumeAt(position.segmentIndex(), position.offset());
            recordUnsyncedSegments(storeRoot, segmentLog, unsyncedFrom, backgroundSync, b.syncer);
            if (recoveryReport.repaired() || recoveryReport.checkpointsRejected() != null) {
                LOG.warn("recovered {}: {}", root, recoveryReport);
            } else {
                LOG.info("opened {} ({} writes{}): {} records in {} segments, last LSN {}, {} ms", root,
                    writeMode.name().toLowerCase(java.util.Locale.ROOT), nfs ? ", NFS mode" : "",
                    recoveryReport.records(), recoveryReport.segments(), recoveryReport.lastLsn(), recoveryReport.elapsed().toMillis());
            }
            String etagPrefix = storeRoot.storeId() + "-";
            this.maxInlineBytes = (int) Math.min(b.blobThreshold, b.segmentSize - RECORD_RESERVE);
            this.blobs = new BlobStore(b.root, b.syncer, b.blobSyncInterval);
            this.reader = new IndexReader(index, blobs, etagPrefix, "logstore " + root, this::ensureOpen);
            // The index already counts blob references: no scan of every entry at open.
            int orphans = blobs.deleteUnreferenced(id -> index.blobReferences(id) > 0);
            if (orphans > 0) {
                LOG.info("deleted {} unreferenced blobs of {}", orphans, root);
            }
            this.feed = new ChangeFeed("disk", ChangeFeed.DEFAULT_QUEUE_CAPACITY);
            mark = CommitWatermark.openForWriter(b.root);
            this.watermark = mark;
            // Staging the largest record is enough (a batch that outgrows it is written in parts);
            // sized to a whole batch (16 MiB), its first touch took 46 ms of every open here.
            AppendWindow window = positional
                ? AppendWindow.positional(maxRecordBytes(b) + RecordDescriptor.END_MARK_LENGTH) : AppendWindow.mapped();
            this.writer = new LogWriter(segmentLog, index, feed, b.clock, b.durability, b.syncer, watermark, window, nfs, etagPrefix,
                storeRoot.epoch(),
                b.maxBatchOps, b.maxBatchBytes, position.nextLsn(), backgroundSync ? storeRoot : null, root.getFileName().toString());
            this.disruptor = new Disruptor<>(WriteCommand::new, b.ringSize, r -> {
                Thread t = new Thread(r, "stowage-writer-" + root.getFileName());
                t.setDaemon(true);
                return t;
            }, ProducerType.MULTI, b.waitStrategy.get());
            this.ring = disruptor.getRingBuffer();
            BatchEventProcessor<WriteCommand> processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), writer);
            this.handled = processor.getSequence();
            disruptor.handleEventsWith(processor);
            disruptor.start();
            this.callerAppends = b.callerAppends;
            this.staging = new PayloadStaging(this, new StagedPayloads());
            this.capabilities = Capabilities.of(EnumSet.of(Capability.STAGING, Capability.CHANGE_FEED,
                Capability.SERVER_SIDE_COPY, Capability.SINGLE_WRITER, Capability.NAMESPACE_LISTING,
                Capability.CONDITIONAL_DELETE, Capability.CONDITIONAL_COPY, Capability.DURABLE),
                Capabilities.DEFAULT_MAX_META_BYTES, Capabilities.DEFAULT_MAX_BODY_BYTES);
            if (b.durability.mode() == Durability.Mode.GROUP) {
                long nanos = b.durability.interval().toNanos();
                this.syncTicker = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "stowage-group-sync-" + root.getFileName());
                    t.setDaemon(true);
                    return t;
                });
                syncTicker.scheduleAtFixedRate(this::requestSync, nanos, nanos, TimeUnit.NANOSECONDS);
            } else {
                this.syncTicker = null;
            }
            this.compactor = new Compactor(segmentLog, index, storeRoot, blobs, b.syncer, new CompactorWrites(), b.clock,
                b.compactionDeadRatio, b.compactionMaxSegments, b.compactionBytesPerSecond, b.segmentDeleteGrace, b.retention);
            this.maintenance = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "stowage-maintenance-" + root.getFileName());
                t.setDaemon(true);
                return t;
            });
            if (!b.checkpointInterval.isZero()) {
                long nanos = b.checkpointInterval.toNanos();
                maintenance.scheduleWithFixedDelay(this::periodicCheckpoint, nanos, nanos, TimeUnit.NANOSECONDS);
            }
            this.compactsOnRoll = !b.compactionInterval.isZero();
            if (compactsOnRoll) {
                long nanos = b.compactionInterval.toNanos();
                maintenance.scheduleWithFixedDelay(this::periodicCompaction, nanos, nanos, TimeUnit.NANOSECONDS);
            }
            segmentLog.onRoll(this::rolled);
            this.keyDrainer = BackgroundThread.named("stowage-keys-" + root.getFileName());
            index.drainKeysOn(keyDrainer);
            OPEN_STORES.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            if (mark != null) {
                mark.close();
            }
            if (segmentLog != null) {
                segmentLog.close();
            }
            storeRoot.close();
            throw e;
        }
    }

    /** A builder for a store at {@code root} (created if absent). */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Logstores open in this JVM (for leak checks and monitoring). */
    public static int openStores() {
        return OPEN_STORES.get();
    }

    /** Segment mappings not yet released in this JVM, open readers' included (for leak checks and monitoring). */
    public static int liveMappings() {
        return Segment.LIVE_MAPPINGS.get();
    }

    /** The largest record a writer with these options appends: an inline value and its names. */
    static int maxRecordBytes(Builder b) {
        return (int) Math.min(b.segmentSize, Math.max(b.blobThreshold, Builder.DEFAULT_BLOB_THRESHOLD) + RECORD_RESERVE);
    }

    /**
     * Syncs what recovery kept of the segments a background seal may have left unsynced
     * ({@code unsyncedFrom} on), then records from which segment that may happen from now on: the
     * active one if this writer syncs in the background, none otherwise (damage in a sealed segment
     * is then corruption again). Nothing to do for a store that neither did nor will.
     */
    private static void recordUnsyncedSegments(StoreRoot root, SegmentLog log, long unsyncedFrom, boolean backgroundSync,
                                               Syncer syncer) throws IOException {
        for (Segment s : log.segments()) {
            if (s.id() >= unsyncedFrom) {
                syncer.sync(s, 0, s == log.active() ? log.position() : s.capacity());
                if (s != log.active()) {
                    s.closeFile();
                }
            }
        }
        long from = backgroundSync ? log.active().id() : StoreRoot.ALL_SYNCED;
        if (from != unsyncedFrom) {
            root.recordUnsyncedFrom(from);
        }
    }

    private static int indexOf(List<Segment> segments, long id) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).id() == id) {
                return i;
            }
        }
        throw new IllegalStateException("segment " + id + " vanished");
    }

    /**
     * The newest checkpoint that reads back whole and that the log reaches; reasons for the others
     * go to {@code rejected}. Read-only unless {@code deleteStrays} (temporary files of a crashed write).
     */
    static Checkpoints.Loaded newestUsableCheckpoint(Path root, List<Segment> segments, List<String> rejected, boolean deleteStrays)
        throws IOException {
        Map<Long, Segment> byId = new HashMap<>();
        segments.forEach(s -> byId.put(s.id(), s));
        List<Path> files = Checkpoints.list(root.resolve(Checkpoints.DIR), deleteStrays);
        for (int i = files.size() - 1; i >= 0; i--) {
            Path file = files.get(i);
            try {
                Checkpoints.Loaded loaded = Checkpoints.read(file, byId);
                String gap = logReaches(loaded, segments);
                if (gap == null) {
                    return loaded;
                }
                loaded.index().discard();
                rejected.add(file.getFileName() + ": " + gap);
            } catch (IOException e) {
                rejected.add(file.getFileName() + ": " + e.getMessage());
            }
        }
        return null;
    }

    /**
     * Why the log does not hold every record up to {@code loaded}'s position, or {@code null} if
     * it does: the bytes before the position must be those the checkpoint was taken after (its
     * fingerprint); at a segment's start, the previous segment's records must end with its LSN.
     */
    private static String logReaches(Checkpoints.Loaded loaded, List<Segment> segments) {
        Checkpoints.Point point = loaded.point();
        if (point.lsn() == 0) {
            return null;
        }
        int index = indexOf(segments, point.segmentId());
        if (point.offset() != 0) {
            Segment segment = segments.get(index);
            if (point.offset() > segment.capacity()
                || CheckpointDescriptor.fingerprint(segment, point.offset()) != loaded.fingerprint()) {
                return "checkpoint is newer than the log: the bytes before its position " + point.offset() + " of "
                    + segment.path().getFileName() + " are not those it was taken after (the log ends earlier or went on differently)";
            }
            return null;
        }
        if (index == 0) {
            return "no record before the checkpoint position";
        }
        Segment segment = segments.get(index - 1);
        long lastLsn = -1;
        int offset = 0;
        org.agrona.concurrent.UnsafeBuffer b = segment.buffer();
        while (offset + RecordDescriptor.HEADER_LENGTH <= segment.capacity()) {
            int frame = RecordCodec.frameLength(b, offset);
            if (frame == 0) {
                break;
            }
            if (frame < RecordDescriptor.HEADER_LENGTH || offset + (long) frame > segment.capacity()) {
                return "checkpoint is newer than the log: " + segment.path().getFileName() + " is cut at offset " + offset;
            }
            if ((RecordCodec.flags(b, offset) & RecordDescriptor.FLAG_COPIED) == 0) {
                lastLsn = RecordCodec.lsn(b, offset);
            }
            offset = (int) Math.min(segment.capacity(), RecordDescriptor.align(offset + (long) frame));
        }
        // A segment holding only compaction copies carries no ordinary LSN to compare.
        return lastLsn == point.lsn() || lastLsn == -1 ? null
            : "checkpoint is newer than the log: it covers LSN " + point.lsn() + " but the log holds LSN " + lastLsn + " there";
    }

    /**
     * Makes every write acknowledged before this call durable, in any durability mode: the flush
     * point of a {@link Durability#none()} or {@link Durability#group} store (under
     * {@link Durability#sync()} every acknowledged write already is). Blocks until done.
     *
     * @throws StorageException if the sync failed (the store then refuses writes until reopened)
     */
    public void sync() {
        await(syncAsync());
    }

    private CompletableFuture<String> syncAsync() {
        CompletableFuture<String> done = new CompletableFuture<>();
        publishers.incrementAndGet();
        try {
            ensureOpen();
            ring.publishEvent((c, sequence) -> {
                c.kind = WriteCommand.SYNC;
                c.result = done;
            });
        } finally {
            publishers.decrementAndGet();
        }
        return done;
    }

    /**
     * Writes an index checkpoint now, so the next open replays only later records. Runs beside
     * the writer (no pause); also done periodically ({@link Builder#checkpointInterval}) and on
     * close. It covers every write acknowledged before the call. Under {@code NONE} and
     * {@code GROUP} it is published only once the log is synced past what it copied, by a
     * {@link #sync()} it asks for (which holds appends up as that does): a power loss must not
     * leave it naming records it dropped.
     *
     * @return the LSN the checkpoint covers
     */
    public long checkpoint() {
        ensureOpen();
        try {
            return maintenance.submit(() -> writeCheckpoint(false, false)).get();
        } catch (InterruptedException e) {
            throw new InterruptedStorageException("waiting for a checkpoint", e);
        } catch (ExecutionException e) {
            throw new StorageException("checkpoint of " + root + " failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Runs one compaction pass now (see {@link Compactor}): expires keys past the retention period,
     * compacts the oldest sealed segments while {@link Builder#compactionDeadRatio} or
     * {@link Builder#compactionMaxSegments} call for it, and deletes compacted segments whose grace
     * period is over. Also done every {@link Builder#compactionInterval}. Blocks until done.
     */
    public CompactionReport compact() {
        ensureOpen();
        try {
            return maintenance.submit(() -> compactor.run(false)).get();
        } catch (InterruptedException e) {
            throw new InterruptedStorageException("waiting for compaction", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageException) {
                throw (StorageException) e.getCause();
            }
            throw new StorageException("compaction of " + root + " failed: " + e.getCause(), e.getCause());
        }
    }

    private void periodicCompaction() {
        try {
            compactor.run(true);
        } catch (ClosedException e) {
            // closing
        } catch (IOException | RuntimeException e) {
            LOG.warn("compaction of {} failed; it is tried again in the next period", root, e);
        }
    }

    private final AtomicBoolean compactionRequested = new AtomicBoolean();
    private final AtomicBoolean checkpointRequested = new AtomicBoolean();

    /**
     * After each segment roll, on the writer thread: a sealed segment may tip the dead ratio, so
     * compaction checks at once rather than a period later; and a checkpoint is written as soon as
     * the log since the last one reaches {@link Builder#checkpointLogBytes}, so that the replay at
     * open after a crash stays bounded however fast the log grows.
     */
    private void rolled() {
        if (compactsOnRoll) {
            requestOnce(compactionRequested, this::periodicCompaction);
        }
        if (checkpointDue()) {
            requestOnce(checkpointRequested, this::periodicCheckpoint);
        }
    }

    /**
     * Whether {@link Builder#checkpointLogBytes} of log follow the last checkpoint, and that one
     * ended at least {@link #CHECKPOINT_SPACING} times its own duration ago: a checkpoint writes the
     * whole index, so on a large index under fast writes this keeps them to a tenth of the
     * maintenance thread (the replay bound then grows with the index instead).
     */
    private boolean checkpointDue() {
        return checkpointDueSegments > 0 && writer.durablePoint().segmentId() - lastCheckpointSegment >= checkpointDueSegments
            && clock.millis() - lastCheckpointEndMillis >= CHECKPOINT_SPACING * lastCheckpointTookMillis;
    }

    /** See {@link #checkpointDue}. */
    static final int CHECKPOINT_SPACING = 9;

    /** Queues {@code task} on the maintenance thread unless {@code queued} says it is queued already; never blocks. */
    private void requestOnce(AtomicBoolean queued, Runnable task) {
        if (queued.compareAndSet(false, true)) {
            try {
                maintenance.execute(() -> {
                    queued.set(false);
                    task.run();
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                queued.set(false);
            }
        }
    }

    /** Writes of the compactor, through the ring like every other write. */
    private final class CompactorWrites implements Compactor.Store {
        @Override
        public CompletableFuture<String> relocate(String namespace, byte space, String key, Segment segment, int recordOffset) {
            return submit(WriteCommand.RELOCATE, space, namespace, key, Precondition.any(), c -> {
                c.sourceSegment = segment;
                c.sourceOffset = recordOffset;
            }, true);
        }

        @Override
        public CompletableFuture<String> expire(String namespace, byte space, String key, long lsn) {
            return delete(space, namespace, key, Precondition.ifMatch(etag(lsn)));
        }

        @Override
        public void checkpoint(boolean mayWait) throws IOException {
            writeCheckpoint(true, mayWait);
            // A failed writer skips the checkpoint, and with it the wait for the copies to be durable.
            StorageException failure = writer.failure();
            if (failure != null) {
                throw new StorageException("compaction of " + root + " stopped: the store failed", failure);
            }
        }

        @Override
        public boolean checkpointDue() {
            return LogStore.this.checkpointDue();
        }
    }

    private void periodicCheckpoint() {
        try {
            writeCheckpoint(false, true);
        } catch (IOException | RuntimeException e) {
            LOG.warn("periodic checkpoint of {} failed; recovery replays more of the log until one succeeds", root, e);
        }
    }

    /**
     * Runs on the maintenance thread (or at close, after it stopped).
     *
     * @param evenIfUnchanged also when no LSN was issued since the last one (else skipped):
     *                        compaction moves versions without issuing LSNs, and the checkpoint
     *                        must stop naming the segment they left
     * @param background      written by the store on its own (periodic, log bytes, a periodic
     *                        compaction pass), not asked for: may wait for the log to be synced
     *                        anyway ({@link #logDurable})
     */
    private long writeCheckpoint(boolean evenIfUnchanged, boolean background) throws IOException {
        // Replay may start where every record before is applied (the copy holds them), as the log is
        // made durable up to the end of the copy before the checkpoint is published (logDurable). Not
        // the durable point: a compaction pass's checkpoint then starts after its copies, not in a
        // segment it retires, and waits once. The durable point when later: the start of the next
        // segment after a roll, the same place.
        Checkpoints.Point applied = writer.appliedEnd();
        Checkpoints.Point durable = writer.durablePoint();
        Checkpoints.Point point = durable.isAfter(applied) ? durable : applied;
        if ((evenIfUnchanged || point.lsn() > lastCheckpointLsn) && writer.failure() == null) {
            long started = clock.millis();
            Checkpoints.write(root, index, point, segmentOf(point), syncer, () -> logDurable(background));
            lastCheckpointLsn = point.lsn();
            lastCheckpointSegment = point.segmentId();
            lastCheckpointEndMillis = clock.millis();
            // Its own work only: waiting for a seal costs nothing to pace.
            lastCheckpointTookMillis = lastCheckpointEndMillis - started - checkpointWaitMillis;
        }
        return lastCheckpointLsn;
    }

    /**
     * For {@link Checkpoints#write} (and so for the compactor's retiring of segments): where writes
     * are acknowledged before their sync, makes every record applied to the index so far durable
     * (what the checkpoint just copied, a pass's copies among them). In the background it first
     * waits up to {@link #CHECKPOINT_SYNC_WAIT_NANOS} for the log to be synced anyway (a seal under
     * {@code NONE}, the next group sync; woken by it, {@link DurablePoint}), since a
     * {@link #sync()} holds up appends for as long as it takes (at full speed 6 % of a buffered
     * writer's throughput here, docs/benchmarks.md, run 18), and on the sealer's thread, beside
     * them, still slows them (run 21). Once closing, the writer syncs the log as it stops. Throws
     * rather than let a checkpoint be published, or a segment retired, over records that are not
     * durable.
     */
    private void logDurable(boolean mayWait) {
        checkpointWaitMillis = 0;
        if (durability.acknowledgesAfterSync()) {
            return;
        }
        Checkpoints.Point copied = writer.applyingEnd();
        long from = clock.millis();
        boolean durable;
        try {
            durable = writer.awaitDurable(copied, mayWait ? CHECKPOINT_SYNC_WAIT_NANOS : 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedStorageException("waiting for the log of " + root + " to be synced", e);
        }
        if (!durable) {
            if (closed.get()) {
                // The writer syncs the log as it stops (a sync asked now would be refused): wait for that.
                awaitWriterStopped();
            } else {
                sync();
            }
        }
        checkpointWaitMillis = clock.millis() - from;
        if (copied.isAfter(writer.durablePoint())) {
            throw new StorageException("the log of " + root + " is not synced up to what the checkpoint copied (the writer failed or"
                + " did not stop); the checkpoint is not published");
        }
    }

    private void awaitWriterStopped() {
        try {
            writer.awaitStopped(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedStorageException("waiting for the writer to stop", e);
        }
    }

    /** Time the last checkpoint spent in {@link #logDurable}; maintenance thread (or close) only. */
    private long checkpointWaitMillis;

    /**
     * How long a background checkpoint waits for the log to be synced anyway before it syncs it:
     * the time to fill a default segment at 64 MiB/s.
     */
    static final long CHECKPOINT_SYNC_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    private Segment segmentOf(Checkpoints.Point point) throws IOException {
        for (Segment s : segments.segments()) {
            if (s.id() == point.segmentId()) {
                return s;
            }
        }
        throw new IOException("segment " + point.segmentId() + " of the checkpoint position is gone");
    }

    /** What recovery found and repaired when this store was opened. */
    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public Path root() {
        return root;
    }

    public Durability durability() {
        return durability;
    }

    /** Whether this store runs in NFS mode (positional writes, closed per batch); see {@link Builder#nfs}. */
    public boolean nfsMode() {
        return nfs;
    }

    /** How this store's writer puts records into segments: never {@link WriteMode#AUTO}; see {@link Builder#writeMode}. */
    public WriteMode writeMode() {
        return writeMode;
    }

    /**
     * How the writer thread puts records into the active segment. Both produce the same bytes in
     * the same files (a store reopens in either mode) and both read through the segments' mappings.
     */
    public enum WriteMode {
        /**
         * {@link #POSITIONAL} when every batch is synced ({@link Durability#sync()}) or in NFS mode,
         * {@link #MAPPED} otherwise: each where it was measured faster (docs/benchmarks.md).
         */
        AUTO,
        /**
         * Records are encoded straight into a read-write mapping of the segment and made durable
         * with {@code msync}. No system call per batch unless it syncs: the cheapest when syncs are
         * rare ({@link Durability#none()}, {@link Durability#group}). A sync costs more than with
         * {@link #POSITIONAL}: after each {@code msync} the kernel write-protects the synced pages,
         * and the next record in such a page takes a page fault. Readers read through a second,
         * read-only mapping, and a sealed segment's read-write mapping is released before its
         * sync, which is then an {@code fsync}: an {@code msync} of the whole segment would
         * flush a TLB entry per page.
         */
        MAPPED,
        /**
         * Records are encoded into an off-heap staging buffer and written with positional writes
         * ({@code pwrite}) at the end of each batch, before the batch is synced ({@code fdatasync})
         * and published; segments are mapped read-only. One write system call per batch, and no
         * page faults on the writer thread: the faster choice when every batch is synced. Required
         * by the NFS mode.
         */
        POSITIONAL;

        WriteMode resolve(boolean nfs, Durability durability) {
            if (nfs && this == MAPPED) {
                throw new IllegalArgumentException("writeMode MAPPED is not possible in NFS mode (it writes positionally)");
            }
            if (this != AUTO) {
                return this;
            }
            return nfs || durability.acknowledgesAfterSync() ? POSITIONAL : MAPPED;
        }
    }

    /**
     * When a store uses the NFS mode: appends by positional writes ({@link WriteMode#POSITIONAL})
     * instead of a shared writable mapping, and the active segment closed after every batch, so
     * that a host opening the file next sees the batch (NFS close-to-open consistency). Reads still
     * go through read-only mappings.
     */
    public enum NfsMode {
        /** When the store root is on {@code nfs} or {@code nfs4}, per {@code /proc/self/mountinfo}. */
        AUTO,
        /** Always (also to test the mode on a local disk or a FUSE mount). */
        ON,
        /** Never. */
        OFF;

        boolean applies(Path root) throws IOException {
            if (this != AUTO) {
                return this == ON;
            }
            String type = MountTable.filesystemType(root);
            return type != null && MountTable.NFS_TYPES.contains(type);
        }
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    IndexReader reader() {
        return reader;
    }

    private String etag(long lsn) {
        return reader.etag(lsn);
    }

    /** The LSN an ifMatch precondition names, or -1 for an ETag of no version of this store (which then never matches). */
    private long lsnOf(Precondition precondition) {
        return precondition.kind() == Precondition.Kind.IF_MATCH ? reader.lsnOf(precondition.etag()) : -1;
    }

    // ---- writes: blocking ----

    @Override
    public String storeMeta(String namespace, String key, byte[] document, Precondition precondition) {
        return await(storeMetaAsync(namespace, key, document, precondition));
    }

    @Override
    public void deleteMeta(String namespace, String key, Precondition precondition) {
        await(deleteMetaAsync(namespace, key, precondition));
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        return await(writeStateAsync(namespace, key, body, precondition));
    }

    @Override
    public void removeState(String namespace, String key, Precondition precondition) {
        await(removeStateAsync(namespace, key, precondition));
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                            Precondition precondition) {
        return await(putObjectAsync(namespace, key, body, attributes, precondition));
    }

    @Override
    public void deleteObject(String namespace, String key, Precondition precondition) {
        await(deleteObjectAsync(namespace, key, precondition));
    }

    @Override
    public String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition) {
        return await(copyObjectAsync(namespace, sourceKey, targetKey, targetPrecondition));
    }

    // ---- writes: pipelined ----

    /** {@link #storeMeta} without waiting: completes with the ETag once durable (per {@link Durability}). */
    public CompletableFuture<String> storeMetaAsync(String namespace, String key, byte[] document, Precondition precondition) {
        if (document == null) {
            throw new InvalidRequestException("meta document must not be null");
        }
        if (document.length > capabilities.maxMetaBytes()) {
            throw new InvalidRequestException("meta document is " + document.length + " bytes; at most "
                + capabilities.maxMetaBytes() + " allowed");
        }
        return put(RecordDescriptor.SPACE_META, namespace, Names.key(key), document.clone(), (byte) 0, ObjectAttributes.DEFAULT,
            precondition);
    }

    public CompletableFuture<String> deleteMetaAsync(String namespace, String key, Precondition precondition) {
        return delete(RecordDescriptor.SPACE_META, namespace, Names.key(key), precondition);
    }

    /**
     * {@link #writeState} without waiting; the body is read on the calling thread before this
     * returns (into a blob file when larger than the inline threshold).
     */
    public CompletableFuture<String> writeStateAsync(String namespace, String key, ReplayableBody body, Precondition precondition) {
        Names.key(key);
        return putBody(RecordDescriptor.SPACE_STATE, namespace, key, body, ObjectAttributes.DEFAULT, precondition);
    }

    public CompletableFuture<String> removeStateAsync(String namespace, String key, Precondition precondition) {
        return delete(RecordDescriptor.SPACE_STATE, namespace, Names.key(key), precondition);
    }

    /** {@link #putObject} without waiting; the body is read on the calling thread before this returns. */
    public CompletableFuture<String> putObjectAsync(String namespace, String key, ReplayableBody body,
                                                    ObjectAttributes attributes, Precondition precondition) {
        Names.key(key);
        if (attributes == null) {
            throw new InvalidRequestException("attributes must not be null; use ObjectAttributes.DEFAULT");
        }
        return putBody(RecordDescriptor.SPACE_OBJECT, namespace, key, body, attributes, precondition);
    }

    public CompletableFuture<String> deleteObjectAsync(String namespace, String key, Precondition precondition) {
        return delete(RecordDescriptor.SPACE_OBJECT, namespace, Names.key(key), precondition);
    }

    public CompletableFuture<String> copyObjectAsync(String namespace, String sourceKey, String targetKey,
                                                     Precondition targetPrecondition) {
        Names.key(sourceKey);
        return submit(WriteCommand.COPY, RecordDescriptor.SPACE_OBJECT, namespace, Names.key(targetKey), targetPrecondition,
            c -> {
                c.sourceSpace = RecordDescriptor.SPACE_OBJECT;
                c.sourceKey = sourceKey;
            });
    }

    /**
     * Puts a body: inline when its declared length is at most the inline threshold, otherwise
     * streamed into a blob file by this (the caller's) thread, and the record carries the reference.
     * A blob whose write then fails (precondition, closed store) is deleted.
     */
    private CompletableFuture<String> putBody(byte space, String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                                              Precondition precondition) {
        ensureOpen();
        if (body == null) {
            throw new InvalidRequestException("body must not be null");
        }
        Names.namespace(namespace);
        long length = body.length();
        if (length != ReplayableBody.UNKNOWN_LENGTH && length <= maxInlineBytes) {
            java.nio.ByteBuffer inMemory = body.inMemory();
            if (inMemory == null || inMemory.remaining() != length) {
                return put(space, namespace, key, body.readAllBytes(maxInlineBytes), (byte) 0, attributes, precondition);
            }
            // A caller that runs its write itself lends its bytes (the record is the only copy);
            // a command published to the ring takes a copy first (the caller may reuse its array
            // once an async write returns, and an interrupted blocking one returns early).
            return put(space, namespace, key, (byte) 0, attributes, precondition, c -> {
                if (c.runByCaller) {
                    c.borrowedValue = inMemory;
                } else {
                    c.value = new byte[inMemory.remaining()];
                    inMemory.get(inMemory.position(), c.value);
                }
            });
        }
        BlobStore.Blob blob = blobs.write(body, capabilities.maxBodyBytes());
        CompletableFuture<String> result;
        try {
            result = put(space, namespace, key, blob.reference(), RecordDescriptor.FLAG_BLOB, attributes, precondition);
        } catch (RuntimeException e) {
            blobs.delete(blob.id());
            throw e;
        }
        result.whenComplete((etag, failure) -> {
            if (failure != null) {
                blobs.delete(blob.id());
            }
        });
        return result;
    }

    /** Puts a value; {@code attributes} are recorded for objects only ({@link ObjectAttributes#DEFAULT} elsewhere). */
    private CompletableFuture<String> put(byte space, String namespace, String key, byte[] value, byte flags,
                                          ObjectAttributes attributes, Precondition precondition) {
        return put(space, namespace, key, flags, attributes, precondition, c -> c.value = value);
    }

    /** As above, with the value set on the command by {@code value}. */
    private CompletableFuture<String> put(byte space, String namespace, String key, byte flags, ObjectAttributes attributes,
                                          Precondition precondition, Consumer<WriteCommand> value) {
        byte[] encoded = space == RecordDescriptor.SPACE_OBJECT ? RecordCodec.encodeAttributes(attributes) : RecordCodec.NO_ATTRIBUTES;
        return submit(WriteCommand.PUT, space, namespace, key, precondition, c -> {
            value.accept(c);
            c.flags = flags;
            c.attributes = encoded;
            c.objectAttributes = attributes;
        });
    }

    private CompletableFuture<String> delete(byte space, String namespace, String key, Precondition precondition) {
        return submit(WriteCommand.DELETE, space, namespace, key, precondition, c -> { });
    }

    private CompletableFuture<String> submit(int kind, byte space, String namespace, String key, Precondition precondition,
                                             Consumer<WriteCommand> fill) {
        return submit(kind, space, namespace, key, precondition, fill, false);
    }

    /** @param background the compactor's: appended when the writer is free, never ahead of callers ({@link LogWriter#appendWhenIdle}) */
    private CompletableFuture<String> submit(int kind, byte space, String namespace, String key, Precondition precondition,
                                             Consumer<WriteCommand> fill, boolean background) {
        Names.namespace(namespace);
        Precondition.required(precondition);
        byte[] namespaceBytes = namespace.getBytes(StandardCharsets.UTF_8);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        long expectedLsn = lsnOf(precondition);
        CompletableFuture<String> result = new CompletableFuture<>();
        EventTranslator<WriteCommand> command = (c, sequence) -> {
            c.kind = kind;
            c.space = space;
            c.namespace = namespace;
            c.namespaceBytes = namespaceBytes;
            c.key = key;
            c.keyBytes = keyBytes;
            c.attributes = RecordCodec.NO_ATTRIBUTES;
            c.precondition = precondition;
            c.expectedLsn = expectedLsn;
            c.result = result;
            fill.accept(c);
            if (c.sourceKey != null) {
                c.sourceKeyBytes = c.sourceKey.getBytes(StandardCharsets.UTF_8);
            }
        };
        publishers.incrementAndGet();
        try {
            ensureOpen();
            boolean appended = callerAppends && (background ? writer.appendWhenIdle(command, handled, ring)
                : writer.appendIfIdle(command, handled, ring, callerSpins));
            if (!appended) {
                ring.publishEvent(command);
            }
        } finally {
            publishers.decrementAndGet();
        }
        return result;
    }

    /**
     * A {@code GROUP} tick: asks for a sync unless the one asked at an earlier tick is still queued
     * or running (on the sealer's thread it runs beside the appends, so ticks could otherwise queue
     * syncs faster than the disk does them; the next tick then takes everything written meanwhile),
     * or every write applied so far is durable already (an idle store wakes no thread).
     */
    private void requestSync() {
        if (groupSync.isDone() && writer.applyingEnd().isAfter(writer.durablePoint())) {
            try {
                groupSync = syncAsync();
            } catch (ClosedException e) {
                // Closed meanwhile: the writer syncs the log as it stops.
            }
        }
    }

    /**
     * How long a blocking caller spins for its acknowledgement before parking. A buffered write is
     * acknowledged within microseconds; parking and being woken costs more than that on most
     * machines, so a short spin halves the latency of a blocking buffered write. Durable writes
     * wait for a sync and park after the spin.
     */
    static final long ACK_SPIN_NANOS = 50_000;
    /**
     * Callers allowed to spin at once (for an acknowledgement, or for the writer role): one core
     * is left to the writer, so many blocked callers park instead of starving it.
     */
    static final int MAX_SPINNING_CALLERS = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);

    private final Semaphore callerSpins = new Semaphore(MAX_SPINNING_CALLERS);

    private String await(CompletableFuture<String> future) {
        if (!future.isDone() && callerSpins.tryAcquire()) {
            try {
                long deadline = System.nanoTime() + ACK_SPIN_NANOS;
                while (!future.isDone() && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
            } finally {
                callerSpins.release();
            }
        }
        try {
            return future.get();
        } catch (InterruptedException e) {
            throw new InterruptedStorageException("waiting for a write to be acknowledged (it may still be applied)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StorageException) {
                throw (StorageException) cause;
            }
            throw new StorageException("logstore write failed: " + cause, cause);
        }
    }

    // ---- staging ----

    @Override
    public String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition) {
        return staging.stage(namespace, key, txn, body, precondition);
    }

    @Override
    public Content loadStaged(String namespace, String key, String txn) {
        return staging.loadStaged(namespace, key, txn);
    }

    /** Native: one atomic commit group writes the head and removes the staged entry. */
    @Override
    public String promote(String namespace, String key, String txn, Precondition headPrecondition) {
        String path = Names.stagingPath(key, txn);
        return await(submit(WriteCommand.PROMOTE, RecordDescriptor.SPACE_STATE, namespace, key, headPrecondition,
            c -> c.sourceKey = path));
    }

    @Override
    public void discard(String namespace, String key, String txn, Precondition precondition) {
        staging.discard(namespace, key, txn, precondition);
    }

    @Override
    public Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit) {
        return staging.listStaged(namespace, txnPrefix, startAfter, limit);
    }

    /** The staged space of the index, addressed by validated staging paths. */
    private final class StagedPayloads implements StagedPayloadStore {
        @Override
        public String put(String namespace, String path, ReplayableBody body, Precondition precondition) {
            return await(putBody(RecordDescriptor.SPACE_STAGED, namespace, path, body, ObjectAttributes.DEFAULT, precondition));
        }

        @Override
        public Content get(String namespace, String path) {
            return reader.readStaged(namespace, path);
        }

        @Override
        public void delete(String namespace, String path, Precondition precondition) {
            await(LogStore.this.delete(RecordDescriptor.SPACE_STAGED, namespace, path, precondition));
        }

        @Override
        public Page<EntryInfo> list(String namespace, String startAfter, int limit) {
            return reader.listStaged(namespace, startAfter, limit);
        }
    }

    // ---- feed and lifecycle ----

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        ensureOpen();
        return feed.subscribe(namespace, prefix, listener);
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new ClosedException("logstore " + root);
        }
    }

    /**
     * Completes every accepted write (syncing what is not yet synced), stops the writer, releases
     * the mappings not held by open readers and the root lock. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        while (publishers.get() > 0) {
            Thread.onSpinWait();
        }
        if (syncTicker != null) {
            syncTicker.shutdownNow();
        }
        compactor.stop();
        maintenance.shutdown();
        disruptor.shutdown();
        try {
            if (!writer.awaitStopped(1, TimeUnit.MINUTES)) {
                throw new StorageException("the writer of " + root + " did not stop within a minute");
            }
            if (!maintenance.awaitTermination(5, TimeUnit.MINUTES)) {
                LOG.warn("checkpoint or compaction of {} still running at close", root);
            }
            if (!aborted) {
                writeCheckpoint(false, false);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("checkpoint at close of {} failed; the next open replays the log", root, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        BackgroundThread.stop(keyDrainer, "draining new keys into the index");
        feed.close();
        compactor.close();
        index.close();
        segments.close();
        watermark.close();
        OPEN_STORES.decrementAndGet();
        try {
            storeRoot.close();
        } catch (IOException e) {
            throw new UncheckedIOException("releasing the lock of " + root, e);
        }
    }

    /** Fails queued writes with {@link ClosedException}, then closes; writes already in a batch complete. */
    @Override
    public void abort() {
        aborted = true;
        writer.abort();
        close();
    }

    @Override
    public String toString() {
        return "LogStore{" + root + ", " + durability + "}";
    }

    /**
     * Options of a {@link LogStore}, each with a named default; validated once by {@link #open()}.
     * Not thread-safe.
     */
    public static final class Builder {
        /** Default segment size: 128 MiB. */
        public static final int DEFAULT_SEGMENT_SIZE = 128 << 20;
        /** Smallest segment size accepted (tests use small segments to exercise rolls). */
        public static final int MIN_SEGMENT_SIZE = 64 << 10;
        /** Default ring capacity (commands in flight before publishers wait); a power of two. */
        public static final int DEFAULT_RING_SIZE = 4096;
        /** Default bound on commands per batch (one sync each). */
        public static final int DEFAULT_MAX_BATCH_OPS = 1024;
        /** Default bound on record bytes per batch. */
        public static final long DEFAULT_MAX_BATCH_BYTES = 16L << 20;
        /** Default largest value kept inline in a segment; larger ones go to blob files. */
        public static final long DEFAULT_BLOB_THRESHOLD = 1 << 20;
        /** Default bytes a blob writer streams between syncs of its file: 8 MiB. */
        public static final long DEFAULT_BLOB_SYNC_INTERVAL = 8L << 20;
        /** Default period between index checkpoints (one is also written at close). */
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofMinutes(1);
        /**
         * Default {@link #checkpointLogBytes}: 512 MiB, four default segments. Replay runs at 2.6-3.8
         * µs per 1 KiB record here, and an open after a crash measured 1.5-2.6 s after 25 s of
         * overwrites to 1 M keys (docs/benchmarks.md, run 18; the bound is reached a segment or so
         * late, and the pacing stretches it on a large index).
         */
        public static final long DEFAULT_CHECKPOINT_LOG_BYTES = 512L << 20;
        /** Default period between background compaction passes. */
        public static final Duration DEFAULT_COMPACTION_INTERVAL = Duration.ofSeconds(10);
        /** Default share of sealed segment bytes that must be dead before compaction starts. */
        public static final double DEFAULT_COMPACTION_DEAD_RATIO = 0.5;
        /** Default bound on sealed segments before compaction starts regardless of the dead ratio: none. */
        public static final int DEFAULT_COMPACTION_MAX_SEGMENTS = 0;
        /** Default compaction copy rate: 64 MiB/s. */
        public static final long DEFAULT_COMPACTION_BYTES_PER_SECOND = 64L << 20;
        /**
         * Default time a compacted segment file is kept while a follower is open: 10 s, ten
         * thousand poll intervals of a follower; disk use grows by the write rate times this.
         */
        public static final Duration DEFAULT_SEGMENT_DELETE_GRACE = Duration.ofSeconds(10);
        /**
         * Default {@link #spareSegments}: 8, a gigabyte of disk at the default segment size kept
         * for the next segments instead of deleted and zero-filled anew.
         */
        public static final int DEFAULT_SPARE_SEGMENTS = 8;
        /** Default retention: off (keys are kept until deleted). */
        public static final Duration DEFAULT_RETENTION = Duration.ZERO;
        /** Default {@link #callerAppends}: on. */
        public static final boolean DEFAULT_CALLER_APPENDS = true;
        /** Default {@link #backgroundSync}: on (a buffered writer on 2 cores ran 7-10 % faster with it, run 19). */
        public static final boolean DEFAULT_BACKGROUND_SYNC = true;

        private final Path root;
        private int segmentSize = DEFAULT_SEGMENT_SIZE;
        private Durability durability = Durability.sync();
        private int ringSize = DEFAULT_RING_SIZE;
        private int maxBatchOps = DEFAULT_MAX_BATCH_OPS;
        private long maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private InstantSource clock = InstantSource.system();
        private Supplier<WaitStrategy> waitStrategy = Builder::defaultWaitStrategy;
        private Syncer syncer = Syncer.REAL;
        private long blobThreshold = DEFAULT_BLOB_THRESHOLD;
        private long blobSyncInterval = DEFAULT_BLOB_SYNC_INTERVAL;
        private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
        private long checkpointLogBytes = DEFAULT_CHECKPOINT_LOG_BYTES;
        private Duration compactionInterval = DEFAULT_COMPACTION_INTERVAL;
        private double compactionDeadRatio = DEFAULT_COMPACTION_DEAD_RATIO;
        private int compactionMaxSegments = DEFAULT_COMPACTION_MAX_SEGMENTS;
        private int spareSegments = DEFAULT_SPARE_SEGMENTS;
        private long compactionBytesPerSecond = DEFAULT_COMPACTION_BYTES_PER_SECOND;
        private Duration segmentDeleteGrace = DEFAULT_SEGMENT_DELETE_GRACE;
        private Duration retention = DEFAULT_RETENTION;
        private NfsMode nfs = NfsMode.AUTO;
        private WriteMode writeMode = WriteMode.AUTO;
        private boolean callerAppends = DEFAULT_CALLER_APPENDS;
        private boolean backgroundSync = DEFAULT_BACKGROUND_SYNC;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
        }

        /** Size of each segment file, {@link #MIN_SEGMENT_SIZE} to 1 GiB; default {@link #DEFAULT_SEGMENT_SIZE}. */
        public Builder segmentSize(int bytes) {
            this.segmentSize = bytes;
            return this;
        }

        /** What an acknowledgement survives; default {@link Durability#sync()}. */
        public Builder durability(Durability durability) {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /** Ring capacity, a power of two; default {@link #DEFAULT_RING_SIZE}. */
        public Builder ringSize(int ringSize) {
            this.ringSize = ringSize;
            return this;
        }

        /** Most commands per batch; default {@link #DEFAULT_MAX_BATCH_OPS}. */
        public Builder maxBatchOps(int maxBatchOps) {
            this.maxBatchOps = maxBatchOps;
            return this;
        }

        /** Most record bytes per batch; default {@link #DEFAULT_MAX_BATCH_BYTES}. */
        public Builder maxBatchBytes(long maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        /**
         * Period between background index checkpoints, which bound the replay at open;
         * {@link Duration#ZERO} writes them only at close and on {@link LogStore#checkpoint()}.
         * Default {@link #DEFAULT_CHECKPOINT_INTERVAL}.
         */
        public Builder checkpointInterval(Duration interval) {
            this.checkpointInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Log bytes appended since the last index checkpoint that make the next one due at once,
         * whatever the {@link #checkpointInterval}: what bounds the replay at an open after a crash
         * when writes are fast (a time period alone lets it grow with the write rate). Checked when
         * a segment is sealed, so it counts whole segments (rounded up); under
         * {@link Durability#none()} a checkpoint covers only sealed and synced segments, so the
         * replay may reach a segment or two beyond it. Each checkpoint writes the whole index
         * (about 50 bytes per key, 190 ms for 1 M keys here) on the maintenance thread, which it
         * shares with compaction (a pass writes a due checkpoint between its segments), so one
         * triggered by log bytes waits until nine times the last one's duration has passed since
         * it ended: at most a tenth of that thread, and a replay bound that grows with a large
         * index. 0 turns the trigger off. Default {@link #DEFAULT_CHECKPOINT_LOG_BYTES}.
         */
        public Builder checkpointLogBytes(long bytes) {
            this.checkpointLogBytes = bytes;
            return this;
        }

        /**
         * Period between background compaction passes ({@link LogStore#compact()});
         * {@link Duration#ZERO} compacts only on demand. Default {@link #DEFAULT_COMPACTION_INTERVAL}.
         */
        public Builder compactionInterval(Duration interval) {
            this.compactionInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Compaction starts when at least this share (0 to 1) of the sealed segments' bytes holds no
         * current version; 0 compacts every sealed segment on each pass. Default
         * {@link #DEFAULT_COMPACTION_DEAD_RATIO}: disk use stays within about twice the live data
         * plus the active and the prepared segment.
         */
        public Builder compactionDeadRatio(double ratio) {
            this.compactionDeadRatio = ratio;
            return this;
        }

        /**
         * Compaction also starts when more than this many segments are sealed, whatever their dead
         * ratio; 0 = no such bound. Default {@link #DEFAULT_COMPACTION_MAX_SEGMENTS}.
         */
        public Builder compactionMaxSegments(int segments) {
            this.compactionMaxSegments = segments;
            return this;
        }

        /**
         * Most bytes per second compaction copies forward (0 = unlimited), which bounds the disk
         * bandwidth it takes from writes. Default {@link #DEFAULT_COMPACTION_BYTES_PER_SECOND}.
         */
        public Builder compactionBytesPerSecond(long bytesPerSecond) {
            this.compactionBytesPerSecond = bytesPerSecond;
            return this;
        }

        /**
         * How long a compacted segment's file (and the blob files only it referenced) stays after it
         * left the log while a {@link LogFollower} is open, in this or another process: one that
         * fell behind may still read it. Without an open follower there is no grace (a follower
         * opened later starts past those segments). In-process readers are tracked exactly by
         * reference counts. Default {@link #DEFAULT_SEGMENT_DELETE_GRACE}.
         */
        public Builder segmentDeleteGrace(Duration grace) {
            this.segmentDeleteGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /**
         * How many compacted segment files are kept, once their grace period is over, as spares
         * for the next segments instead of deleted. A new segment is otherwise created by writing
         * zeros over its whole size and syncing them, so every byte of the log is written twice;
         * a spare is reused as it is: its first record header zeroed, renamed, no block allocated.
         * Its old bytes stay behind the end of the log, where the end mark and the per-segment CRC
         * seed keep them out ({@link RecordDescriptor}). Files are reused only while no follower is
         * open ({@link LogFollower}, in any process): one may still read a compacted file, so then
         * they are deleted. While the log starts more segments than this between two compaction
         * passes that retire segments, that many are kept instead: files the writer would otherwise
         * create again, each with a zero-fill, before the next such pass; a pass after the writer
         * slowed down deletes the extra ones. Disk use grows by up to this many segments, or the
         * number the log started between the last two such passes if more. {@code 0} deletes them
         * all.
         * Default {@link #DEFAULT_SPARE_SEGMENTS}.
         */
        public Builder spareSegments(int segments) {
            this.spareSegments = segments;
            return this;
        }

        /**
         * Keys (meta, state, objects) not updated for this long are deleted by compaction, through
         * the writer and under {@code ifMatch} of the expired version, so they appear in the change
         * feed and a concurrent update wins. {@link Duration#ZERO} (the default) keeps keys forever.
         */
        public Builder retention(Duration retention) {
            this.retention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * Largest value stored inline in a segment (capped at the segment size less
         * {@link LogStore#RECORD_RESERVE}); larger or unknown-length bodies are streamed by the
         * caller's thread into a blob file, synced, and referenced by a small record. Default
         * {@link #DEFAULT_BLOB_THRESHOLD}.
         */
        public Builder blobThreshold(long bytes) {
            this.blobThreshold = bytes;
            return this;
        }

        /**
         * Bytes a caller streaming a large value writes into its blob file between syncs of that
         * file (at least 1 MiB; default {@link #DEFAULT_BLOB_SYNC_INTERVAL}). Bounding the dirty
         * data of a long blob write keeps its final sync short, so the small durable writes that
         * share the disk do not queue behind gigabytes of writeback.
         */
        public Builder blobSyncInterval(long bytes) {
            this.blobSyncInterval = bytes;
            return this;
        }

        /** Whether to use the NFS mode ({@link NfsMode}); default {@link NfsMode#AUTO}. */
        public Builder nfs(NfsMode mode) {
            this.nfs = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * How the writer puts records into segments ({@link WriteMode}); default
         * {@link WriteMode#AUTO}. {@link WriteMode#MAPPED} together with the NFS mode fails at open.
         */
        public Builder writeMode(WriteMode mode) {
            this.writeMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Whether a caller that finds the writer idle appends its write on its own thread rather
         * than handing it to the writer thread and waiting to be woken (default
         * {@value #DEFAULT_CALLER_APPENDS}). One thread at a time writes either way, in ring order,
         * so preconditions, batches and acknowledgements stay as they are; a busy writer still takes
         * every write from the ring. Under NONE and GROUP durability a caller that finds another
         * caller appending (often the compactor, copying a record) spins a few microseconds for
         * its turn rather than waking the writer thread (one spinning caller per core but one).
         * What the caller saves is the hand-off to the writer thread and back, most of a buffered
         * write's latency on a machine with few cores, and a quarter of a durable 1 MiB put's
         * (docs/benchmarks.md, runs 14 and 15). With {@link WriteMode#POSITIONAL} writes
         * (the {@code AUTO} choice under SYNC durability) a caller never syncs: under SYNC the
         * committer syncs every batch anyway, and a caller appends only while no sync is queued or
         * running (the writer thread batches the writes that arrive during one); under NONE and
         * GROUP durability the writer thread takes what would sync on the appending thread (a
         * record that needs a roll, commands other than put and delete), and in the NFS mode every
         * write. A caller's interrupt closes the file channel it writes through; the write is
         * repeated through the file opened again, and the caller keeps its interrupt.
         */
        public Builder callerAppends(boolean callerAppends) {
            this.callerAppends = callerAppends;
            return this;
        }

        /**
         * Under NONE and GROUP durability, whether a background thread syncs each sealed segment
         * while the appends go on in the next one (default {@value #DEFAULT_BACKGROUND_SYNC}), and
         * the syncs asked for ({@link LogStore#sync()}, compaction's, checkpoints', GROUP's interval
         * syncs) in order with them. Off, a
         * roll syncs the sealed segment on the thread appending the record that did not fit, and
         * every append waits behind it: 60-90 ms per 128 MiB segment on 2 vCPUs, two of them a second
         * for a single buffered writer. A power loss may leave a sealed segment that is still being
         * synced incomplete: recovery ends the log at its first damage and reports the cut
         * ({@link Durability#none()}). Off, a GROUP interval's sync also runs on the appending
         * thread, and every append waits for it. Applies to {@link WriteMode#MAPPED} writes under
         * NONE and GROUP durability (the {@code AUTO} choice outside the NFS mode) and is ignored
         * otherwise: a positional segment's file is the writer's alone.
         */
        public Builder backgroundSync(boolean backgroundSync) {
            this.backgroundSync = backgroundSync;
            return this;
        }

        /** Clock for record timestamps; default the system clock. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Default {@link #writerWaitStrategy}: spin {@value #SPIN_MICROS} µs, yield up to {@value #YIELD_MICROS} µs, then block. */
        public static WaitStrategy defaultWaitStrategy() {
            return PhasedBackoffWaitStrategy.withLock(SPIN_MICROS, YIELD_MICROS, TimeUnit.MICROSECONDS);
        }

        /** Microseconds the idle writer spins before it yields (default wait strategy). */
        public static final long SPIN_MICROS = 20;
        /** Microseconds the idle writer yields before it blocks on a lock (default wait strategy). */
        public static final long YIELD_MICROS = 200;

        /**
         * How the writer thread waits for commands. The default ({@link #defaultWaitStrategy()})
         * spins and yields briefly after each command, then blocks, so a busy store hands commands
         * over without a wake-up (half the latency of Disruptor's {@link BlockingWaitStrategy} here)
         * and an idle store costs no CPU. {@code BusySpinWaitStrategy} lowers latency further at the
         * cost of a whole core.
         */
        public Builder writerWaitStrategy(Supplier<WaitStrategy> waitStrategy) {
            this.waitStrategy = Objects.requireNonNull(waitStrategy, "waitStrategy");
            return this;
        }

        /** Test seam: how written ranges are synced (fault injection). */
        Builder syncer(Syncer syncer) {
            this.syncer = Objects.requireNonNull(syncer, "syncer");
            return this;
        }

        /**
         * Validates the options, takes the writer lock, recovers and starts the writer.
         *
         * @throws IllegalArgumentException naming the first invalid option
         * @throws StoreLockedException      if another writer holds the root
         * @throws StorageException          if a JVM flag is missing or the files cannot be used
         */
        public LogStore open() {
            if (segmentSize < MIN_SEGMENT_SIZE || segmentSize > (1 << 30)) {
                throw new IllegalArgumentException("segmentSize " + segmentSize + " outside " + MIN_SEGMENT_SIZE + ".." + (1 << 30));
            }
            if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
                throw new IllegalArgumentException("ringSize must be a power of two >= 2: " + ringSize);
            }
            if (blobSyncInterval < (1 << 20)) {
                throw new IllegalArgumentException("blobSyncInterval must be at least 1 MiB: " + blobSyncInterval);
            }
            if (blobThreshold < 0) {
                throw new IllegalArgumentException("blobThreshold must not be negative: " + blobThreshold);
            }
            if (checkpointInterval.isNegative() || checkpointLogBytes < 0) {
                throw new IllegalArgumentException("checkpointInterval and checkpointLogBytes must not be negative: " + checkpointInterval
                    + ", " + checkpointLogBytes);
            }
            if (compactionInterval.isNegative() || segmentDeleteGrace.isNegative() || retention.isNegative()) {
                throw new IllegalArgumentException("compactionInterval, segmentDeleteGrace and retention must not be negative: "
                    + compactionInterval + ", " + segmentDeleteGrace + ", " + retention);
            }
            if (!(compactionDeadRatio >= 0 && compactionDeadRatio <= 1)) {
                throw new IllegalArgumentException("compactionDeadRatio must be within 0..1: " + compactionDeadRatio);
            }
            if (compactionMaxSegments < 0 || compactionBytesPerSecond < 0 || spareSegments < 0) {
                throw new IllegalArgumentException("compactionMaxSegments, compactionBytesPerSecond and spareSegments must not be negative: "
                    + compactionMaxSegments + ", " + compactionBytesPerSecond + ", " + spareSegments);
            }
            if (maxBatchOps < 1 || maxBatchBytes < 1) {
                throw new IllegalArgumentException("batch bounds must be positive: ops=" + maxBatchOps + " bytes=" + maxBatchBytes);
            }
            JvmFlags.require();
            try {
                return new LogStore(this);
            } catch (IOException e) {
                throw new StorageException("cannot open logstore at " + root + ": " + e, e);
            }
        }
    }
}
