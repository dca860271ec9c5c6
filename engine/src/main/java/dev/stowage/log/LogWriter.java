package dev.stowage.log;

import dev.stowage.ChangeEvent;
import dev.stowage.ChangeEvent.ChangeType;
import dev.stowage.InvalidRequestException;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.Space;
import dev.stowage.StorageException;
import dev.stowage.feed.ChangeFeed;
import com.lmax.disruptor.Cursored;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslator;
import com.lmax.disruptor.Sequence;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer: consumes commands from the ring in batches, checks each precondition against
 * the index overlaid with the writes not yet published (so two creates of one key cannot both
 * win), appends records to the active segment and, at the end of the batch, writes them to the
 * file, syncs once, publishes the index updates and completes the callers.
 *
 * <p>When every batch is acknowledged after a sync (SYNC durability, outside the NFS mode) the
 * sync and what follows it run on a {@link Committer} thread: the writer appends the next batch
 * while the last one is being synced, and the batches that queue up meanwhile share the next
 * sync. The overlay then spans every batch not yet published. Under GROUP and NONE durability,
 * and in the NFS mode, the writer publishes each batch itself.
 *
 * <p>After a failed sync the unsynced batches' records are zeroed, every caller of those batches
 * fails, and the writer appends nothing more: the store must be reopened, which recovers from
 * what is on disk.
 *
 * <p>Thread-safety: one thread at a time holds the writer role (a lock) and runs the writer: the
 * writer thread for each command it takes from the ring, or a caller that found the writer idle
 * ({@link #appendIfIdle}); the lock hands the writer's state from one to the next. {@link #publish}
 * and the cut of a batch whose sync failed also run on the committer thread, which touches no
 * state of the batch being built.
 */
final class LogWriter implements EventHandler<WriteCommand> {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
    private static final IndexEntry REMOVED = new IndexEntry(-1, null, 0, 0, 0, 0, null, null);
    private static final byte[] NO_VALUE = new byte[0];

    private record OverlayKey(String namespace, byte space, String key) {
    }

    /** A command appended in this batch, acknowledged when the batch commits. */
    private record Applied(CompletableFuture<String> result, String etag, List<Change> changes) {
    }

    /**
     * One index change of an applied command, with the LSN of its record; {@code published} unless
     * it is a compaction copy, which changes where a version lives, not what it is.
     */
    private record Change(OverlayKey target, IndexEntry entry, long lsn, boolean published) {
        Change(String namespace, byte space, String key, IndexEntry entry, long lsn) {
            this(new OverlayKey(namespace, space, key), entry, lsn, true);
        }
    }

    private record Range(Segment segment, int from) {
    }

    /** A batch written to the file: its commands, where its records lie, and the end of the log after it. */
    private record Appended(List<Applied> applied, List<Range> ranges, Segment last, Checkpoints.Point end) {
    }

    private final SegmentLog log;
    private final LogIndex index;
    private final ChangeFeed feed;
    private final InstantSource clock;
    private final Durability durability;
    private final Syncer syncer;
    private final CommitWatermark watermark;
    private final AppendWindow window;
    /** NFS mode: the active segment's file is closed after every batch (close-to-open consistency). */
    private final boolean closeAfterBatch;
    private final String etagPrefix;
    private final int epoch;
    private final int maxBatchOps;
    private final long maxBatchBytes;
    private final RecordCodec codec = new RecordCodec();
    /** The writer role: held by the thread running the writer ({@link #onEvent} or {@link #appendIfIdle}). */
    private final ReentrantLock role = new ReentrantLock();
    /** The command a caller runs directly ({@link #appendIfIdle}); one suffices, as the role is exclusive. */
    private final WriteCommand direct = new WriteCommand(true);
    /** The value of the PUT being appended: the command's array or the caller's memory ({@link WriteCommand#borrowedValue}). */
    private final UnsafeBuffer value = new UnsafeBuffer(NO_VALUE);
    /** Syncs and publishes batches behind the writer; {@code null} when the writer does it itself. */
    private final Committer<Appended> committer;
    /** Syncs the log behind the writer ({@link LogStore.Builder#backgroundSync}); {@code null} when a roll syncs itself. */
    private final Sealer sealer;

    /** The latest change of every key written and not yet published; a published change stays until forgotten. */
    private final Map<OverlayKey, Change> overlay = new HashMap<>();
    /** Batches handed to the committer whose changes are still in the overlay, oldest first. */
    private final ArrayDeque<Appended> submitted = new ArrayDeque<>();
    /** How many of the submitted batches have been taken out of the overlay. */
    private long forgotten;
    private List<Applied> batch = new ArrayList<>();
    /** Where this batch's records start in each segment it touched (to sync, or to cut on failure). */
    private List<Range> batchRanges = new ArrayList<>();
    private long batchBytes;
    private long nextLsn;
    /** Start of the active segment's bytes not yet synced. */
    private int unsyncedFrom;
    private volatile StorageException failure;
    /** The latest position up to which every record is durable and applied to the index. */
    private final DurablePoint durablePoint;
    /** The end of the newest batch whose changes are applied to the index, set before them; see {@link #applyingEnd()}. */
    private volatile Checkpoints.Point applyingEnd;
    /** The same, set once they are applied; see {@link #appliedEnd()}. */
    private volatile Checkpoints.Point appliedEnd;
    private volatile boolean aborting;
    /** Counted down when {@link #onShutdown()} has finished with the segments. */
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

    /**
     * @param root          where a {@link Sealer} records which segments may be unsynced, if the log
     *                      is synced in the background ({@link LogStore.Builder#backgroundSync});
     *                      {@code null} if every roll syncs the sealed segment itself
     * @param threadSuffix  names the committer thread (started with the writer when every batch is
     *                      synced outside the NFS mode) and the sealer's (NONE and GROUP durability)
     */
    LogWriter(SegmentLog log, LogIndex index, ChangeFeed feed, InstantSource clock, Durability durability, Syncer syncer,
              CommitWatermark watermark, AppendWindow window, boolean closeAfterBatch, String etagPrefix, int epoch, int maxBatchOps,
              long maxBatchBytes, long nextLsn, StoreRoot root, String threadSuffix) {
        this.log = log;
        this.index = index;
        this.feed = feed;
        this.clock = clock;
        this.durability = durability;
        this.syncer = syncer;
        this.watermark = watermark;
        this.window = window;
        this.closeAfterBatch = closeAfterBatch;
        this.etagPrefix = etagPrefix;
        this.epoch = epoch;
        this.maxBatchOps = maxBatchOps;
        this.maxBatchBytes = maxBatchBytes;
        this.nextLsn = nextLsn;
        this.unsyncedFrom = log.position();
        this.applyingEnd = endOfLog();
        this.appliedEnd = applyingEnd;
        this.durablePoint = new DurablePoint(applyingEnd);
        watermark.publish(epoch, applyingEnd.segmentId(), applyingEnd.offset(), applyingEnd.lsn());
        this.committer = durability.acknowledgesAfterSync() && !closeAfterBatch
            ? new Committer<>(syncer, new Committer.Outcome<>() {
                @Override
                public void durable(Appended appended) {
                    publish(appended);
                }

                @Override
                public void failed(Appended appended, RuntimeException error) {
                    StorageException cause = syncFailed(error);
                    zero(appended.ranges, appended.last, appended.end.offset());
                    fail(appended.applied, cause);
                }
            }, maxBatchBytes, "stowage-committer-" + threadSuffix)
            : null;
        this.sealer = root == null ? null : new Sealer(syncer, root, this::sealFailed, "stowage-sealer-" + threadSuffix);
    }

    @Override
    public void onStart() {
        if (committer != null) {
            committer.start();
        }
    }

    private Checkpoints.Point endOfLog() {
        return new Checkpoints.Point(log.active().id(), log.position(), nextLsn - 1);
    }

    /**
     * A position at or after the record of every change a reader has seen in the index: set before
     * a batch's changes are applied, so a checkpoint's copy of the index names no record beyond
     * what this returns once the copy is done.
     */
    Checkpoints.Point applyingEnd() {
        return applyingEnd;
    }

    /**
     * The end of the newest batch whose changes are all in the index: every change of the records
     * before it is applied. Where a checkpoint copied from now on may start replay, once the log is
     * durable up to {@link #applyingEnd()} as read after the copy.
     */
    Checkpoints.Point appliedEnd() {
        return appliedEnd;
    }

    /** The latest position up to which every record is durable and applied to the index. */
    Checkpoints.Point durablePoint() {
        return durablePoint.get();
    }

    /**
     * Waits until every record up to {@code point} is durable ({@link #durablePoint()} at or past
     * it), the writer fails or stops, or {@code timeoutNanos} pass; any thread.
     *
     * @return whether {@code point} is durable
     */
    boolean awaitDurable(Checkpoints.Point point, long timeoutNanos) throws InterruptedException {
        return durablePoint.await(point, timeoutNanos, () -> failure != null || stopped.getCount() == 0);
    }

    /** Records the current end of the log as durable and indexed; call only when both hold (a sealer idle). */
    private void markDurable() {
        durablePoint.moveTo(endOfLog());
    }

    /**
     * Moves the durable point on to {@code published} (the end of a batch published before a seal,
     * durable now), unless it is there already. Runs while the role holder waits for no seal, or on
     * the sealer's thread, while the role holder cannot move the point (it awaits the sealer first).
     */
    private void moveDurablePoint(Checkpoints.Point published) {
        if (published != null && published.isAfter(durablePoint.get())) {
            durablePoint.moveTo(published);
        }
    }

    /** A background sync failed: the store fails; the writes were acknowledged before any sync (NONE, GROUP). */
    private void sealFailed(RuntimeException e) {
        if (failStore(new StorageException("syncing the log in the background failed; the store refuses writes until reopened"
            + " (the writes since the last completed sync may not survive a power loss): "
            + e.getMessage(), e))) {
            LOG.error("logstore background sync failed; refusing further writes", e);
        }
    }

    /** The failure that stopped the writer, or {@code null}. */
    StorageException failure() {
        return failure;
    }

    /** From now on every command fails with {@link dev.stowage.ClosedException} (used by abort). */
    void abort() {
        aborting = true;
    }

    String etag(long lsn) {
        return etagPrefix + Long.toHexString(lsn);
    }

    @Override
    public void onEvent(WriteCommand command, long sequence, boolean endOfBatch) {
        role.lock();
        try {
            handle(command, endOfBatch);
        } finally {
            role.unlock();
        }
    }

    /**
     * Runs {@code command} on the calling thread, as a batch of its own, if the writer is idle: no
     * other thread holds the role and every command claimed in the ring has been handled
     * ({@code handled} has reached {@code ring}'s cursor), so the command overtakes none. A caller
     * that finds the writer idle saves two hand-offs between threads; one that does not publishes
     * its command to the ring as before. Without a committer, a caller that finds the role taken
     * spins for it a little ({@link #ROLE_SPIN_NANOS}), if {@code spins} has a permit left; with one, its
     * write waits for a sync anyway, and writes that come during a sync are better batched by
     * the writer thread; in the NFS mode the writer thread takes every write.
     *
     * @param command fills the command, as it would fill a slot of the ring
     * @return false, with nothing done, if the writer is busy, or if the command needs the writer
     *         thread ({@link #mayAppendOnCaller})
     */
    boolean appendIfIdle(EventTranslator<WriteCommand> command, Sequence handled, Cursored ring, Semaphore spins) {
        if (!role.tryLock() && (committer != null || closeAfterBatch || !awaitRole(spins))) {
            return false;
        }
        return appendHoldingRole(command, handled, ring);
    }

    /**
     * As {@link #appendIfIdle}, for background work (the compactor's copies), which must not put
     * a command into the ring ahead of callers' writes: a caller that finds the ring behind hands
     * its own write to the writer thread too (ring order), paying that thread's wake-up and its
     * own, some 60-80 µs here; with a copy in the ring every few puts, that is where a tight put
     * loop's p99 went (docs/benchmarks.md, run 17). So while the role is taken by a caller's
     * append (callers may append and the ring is caught up), this spins for it up to
     * {@link #BACKGROUND_ROLE_SPIN_NANOS}, without taking a caller's spin permit, before its caller
     * falls back to the ring. If the ring has work (the writer thread holds the role, e.g. for a
     * group sync or a roll), the command joins it at once: waiting there would only slow the
     * compaction (a stress test's disk bound caught that).
     */
    boolean appendWhenIdle(EventTranslator<WriteCommand> command, Sequence handled, Cursored ring) {
        if (!role.tryLock()) {
            if (committer != null || closeAfterBatch) {
                return false;
            }
            long deadline = System.nanoTime() + BACKGROUND_ROLE_SPIN_NANOS;
            do {
                Thread.onSpinWait();
                if (handled.get() != ring.getCursor() || System.nanoTime() - deadline > 0) {
                    return false;
                }
            } while (!role.tryLock());
        }
        return appendHoldingRole(command, handled, ring);
    }

    /**
     * How long {@link #appendWhenIdle} spins for the role: long against a caller's append (a few
     * microseconds), short against a writer thread stuck in a sync.
     */
    static final long BACKGROUND_ROLE_SPIN_NANOS = 1_000_000;

    /** The rest of {@link #appendIfIdle} once the role is held: releases it. */
    private boolean appendHoldingRole(EventTranslator<WriteCommand> command, Sequence handled, Cursored ring) {
        try {
            if (handled.get() != ring.getCursor()) {
                return false;
            }
            command.translateTo(direct, -1);
            if (!mayAppendOnCaller(direct)) {
                direct.clear();
                return false;
            }
            handle(direct, true);
            return true;
        } finally {
            role.unlock();
        }
    }

    /**
     * How long a caller that finds the role taken spins for it ({@link #appendIfIdle}). Another
     * caller's append, often the compactor's copy of a record, holds it for a few microseconds;
     * handing the write to the writer thread instead costs a wake-up of that thread and of the
     * caller (about 60 µs on the 2-vCPU VM of docs/benchmarks.md, run 15).
     */
    static final long ROLE_SPIN_NANOS = 20_000;

    /** Spins up to {@link #ROLE_SPIN_NANOS} for the role, if {@code spins} has a permit for this caller; true once it holds it. */
    private boolean awaitRole(Semaphore spins) {
        if (!spins.tryAcquire()) {
            return false;
        }
        try {
            long deadline = System.nanoTime() + ROLE_SPIN_NANOS;
            do {
                Thread.onSpinWait();
                if (role.tryLock()) {
                    return true;
                }
            } while (System.nanoTime() - deadline < 0);
            return false;
        } finally {
            spins.release();
        }
    }

    /**
     * Whether a caller's thread may append {@code c}. Positional writes go through a
     * {@link java.nio.channels.FileChannel}, which an interrupt of the caller's thread closes: a
     * write is simply repeated ({@link Segment#write}), but a sync cut short cannot be (the error it
     * may have reported is gone), so a caller's append must not sync. With a committer (SYNC
     * durability outside the NFS mode) none does: the committer syncs every batch, and a roll
     * between a caller's batch and the previous one has nothing left to sync. There a caller
     * appends only while the committer is idle: writes that come during a sync wait for the next
     * one anyway, and the writer thread gathers them into one batch and one write (with 64 writes
     * in flight from one thread, appending each on the caller measured slower). Without one, a roll
     * syncs the sealed segment on the appending thread, and the NFS mode syncs each batch there,
     * so a caller takes only a put or delete that fits in the active segment, outside the NFS mode.
     * Only a write that fails has its records zeroed and synced on the thread that appended it:
     * the store then refuses writes until reopened, and if an interrupt cuts that sync short, the
     * records stay as a crash would leave them.
     */
    private boolean mayAppendOnCaller(WriteCommand c) {
        if (!window.positional()) {
            return true;
        }
        if (committer != null) {
            return committer.idle();
        }
        long bytes;
        if (c.kind == WriteCommand.PUT) {
            int valueLength = c.value != null ? c.value.length : c.borrowedValue.remaining();
            bytes = frame(c.namespaceBytes, c.keyBytes, c.attributes, valueLength);
        } else if (c.kind == WriteCommand.DELETE) {
            bytes = frame(c.namespaceBytes, c.keyBytes, RecordCodec.NO_ATTRIBUTES, 0);
        } else {
            return false;
        }
        return !closeAfterBatch && log.position() + bytes <= log.active().capacity();
    }

    private void handle(WriteCommand command, boolean endOfBatch) {
        try {
            if (command.kind == WriteCommand.SYNC) {
                // Group durability: acknowledge what is pending, then sync it, even under a
                // steady load where the batch is never empty.
                commitBatch();
                awaitCommitted();
                if (failure != null) {
                    throw failure;
                }
                if (sealer != null) {
                    syncInBackground(command.result);
                } else {
                    syncUnsynced();
                    markDurable();
                    if (command.result != null) {
                        command.result.complete(null);
                    }
                }
            } else {
                process(command);
            }
        } catch (Throwable t) {
            // The writer thread never dies: a bug or an Error fails the command (and, if the log
            // may be inconsistent, the store), never leaves callers waiting.
            failStore(t instanceof StorageException ? (StorageException) t
                : new StorageException("logstore writer failed: " + t, t));
            CompletableFuture<String> result = command.result;
            if (result != null) {
                result.completeExceptionally(failure);
            }
        } finally {
            command.clear();
        }
        if (endOfBatch || batch.size() >= maxBatchOps || batchBytes >= maxBatchBytes) {
            commitBatch();
        }
    }

    private void process(WriteCommand c) {
        CompletableFuture<String> result = c.result;
        if (aborting) {
            result.completeExceptionally(new dev.stowage.ClosedException("logstore (aborted)"));
            return;
        }
        if (failure == null && watermark.epoch() > epoch) {
            // Another writer opened the store (this process lost its lock, e.g. frozen past an NFS
            // lease): append nothing more, or its records and ours would interleave.
            failStore(new StorageException("writer epoch " + epoch + " was superseded by epoch " + watermark.epoch()
                + ": another writer opened this store, so this one appends nothing more"));
        }
        if (failure != null) {
            result.completeExceptionally(failure);
            return;
        }
        try {
            switch (c.kind) {
                case WriteCommand.PUT:
                    put(c);
                    break;
                case WriteCommand.DELETE:
                    delete(c);
                    break;
                case WriteCommand.COPY:
                    copy(c);
                    break;
                case WriteCommand.PROMOTE:
                    promote(c);
                    break;
                case WriteCommand.RELOCATE:
                    relocate(c);
                    break;
                default:
                    throw new IllegalStateException("unknown command " + c.kind);
            }
        } catch (StorageException e) {
            // Raised before anything was appended (failed precondition, missing source, no segment
            // available): the log is unchanged, so only this command fails.
            result.completeExceptionally(e);
        }
    }

    private IndexEntry current(String namespace, byte space, String key) {
        return current(new OverlayKey(namespace, space, key));
    }

    /** The version a write of {@code target} finds: its change waiting to be published, else the index's. */
    private IndexEntry current(OverlayKey target) {
        Change pending = overlay.get(target);
        return pending != null ? live(pending) : index.get(target.namespace(), target.space(), target.key());
    }

    /** The version a change leaves, {@code null} for a removal. */
    private static IndexEntry live(Change change) {
        return change.entry == REMOVED ? null : change.entry;
    }

    private void check(WriteCommand c, IndexEntry current) {
        Precondition p = c.precondition;
        boolean holds;
        switch (p.kind()) {
            case ANY:
                holds = true;
                break;
            case MUST_NOT_EXIST:
                holds = current == null;
                break;
            default:
                holds = current != null && current.lsn == c.expectedLsn;
                break;
        }
        if (!holds) {
            throw new PreconditionFailedException(c.namespace, c.key, p, current == null ? null : etag(current.lsn));
        }
    }

    private void put(WriteCommand c) {
        OverlayKey target = new OverlayKey(c.namespace, c.space, c.key);
        check(c, current(target));
        if (c.value != null) {
            value.wrap(c.value);
        } else {
            value.wrap(c.borrowedValue, c.borrowedValue.position(), c.borrowedValue.remaining());
        }
        reserve(frame(c.namespaceBytes, c.keyBytes, c.attributes, value.capacity()));
        // Meta documents are only ever PUT with bytes of their own, which the index keeps.
        byte[] meta = c.space == RecordDescriptor.SPACE_META ? c.value : null;
        IndexEntry entry = append(RecordDescriptor.TYPE_PUT, c.space, c.flags, c.namespaceBytes, c.keyBytes, c.attributes,
            c.objectAttributes, value, 0, value.capacity(), meta);
        value.wrap(NO_VALUE); // holds no caller's memory past its write
        stage(c, List.of(new Change(target, entry, entry.lsn, true)), entry.lsn);
    }

    private void delete(WriteCommand c) {
        IndexEntry current = current(c.namespace, c.space, c.key);
        check(c, current);
        if (current == null) {
            // Nothing to remove: acknowledged with the batch so it is ordered after earlier writes.
            batch.add(new Applied(c.result, null, List.of()));
            return;
        }
        reserve(frame(c.namespaceBytes, c.keyBytes, RecordCodec.NO_ATTRIBUTES, 0));
        IndexEntry entry = append(RecordDescriptor.TYPE_DELETE, c.space, (byte) 0, c.namespaceBytes, c.keyBytes,
            RecordCodec.NO_ATTRIBUTES, ObjectAttributes.DEFAULT, null, 0, 0, null);
        stage(c, List.of(new Change(c.namespace, c.space, c.key, REMOVED, entry.lsn)), entry.lsn);
    }

    private void copy(WriteCommand c) {
        IndexEntry source = current(c.namespace, c.sourceSpace, c.sourceKey);
        if (source == null) {
            throw new NotFoundException(Space.OBJECT, c.namespace, c.sourceKey);
        }
        check(c, current(c.namespace, c.space, c.key));
        // A version read from a checkpoint is CRC-checked before a copy gives its bytes a new CRC.
        source.checkCrc();
        byte[] attributes = RecordCodec.encodeAttributes(source.attributes);
        reserve(frame(c.namespaceBytes, c.keyBytes, attributes, source.valueLength));
        readable(source.segment, source.valueOffset);
        IndexEntry entry = append(RecordDescriptor.TYPE_PUT, c.space, blobFlag(source), c.namespaceBytes, c.keyBytes, attributes,
            source.attributes, source.segment.buffer(), source.valueOffset, source.valueLength, null);
        stage(c, List.of(new Change(c.namespace, c.space, c.key, entry, entry.lsn)), entry.lsn);
    }

    private void promote(WriteCommand c) {
        IndexEntry staged = current(c.namespace, RecordDescriptor.SPACE_STAGED, c.sourceKey);
        if (staged == null) {
            throw new NotFoundException(Space.STATE, c.namespace, c.sourceKey);
        }
        check(c, current(c.namespace, RecordDescriptor.SPACE_STATE, c.key));
        staged.checkCrc();
        long put = frame(c.namespaceBytes, c.keyBytes, RecordCodec.NO_ATTRIBUTES, staged.valueLength);
        long remove = frame(c.namespaceBytes, c.sourceKeyBytes, RecordCodec.NO_ATTRIBUTES, 0);
        long commit = frame(c.namespaceBytes, RecordCodec.NO_ATTRIBUTES, RecordCodec.NO_ATTRIBUTES, 0);
        reserve(put + remove + commit);
        readable(staged.segment, staged.valueOffset);
        IndexEntry head = append(RecordDescriptor.TYPE_PUT, RecordDescriptor.SPACE_STATE,
            (byte) (RecordDescriptor.FLAG_GROUPED | blobFlag(staged)), c.namespaceBytes, c.keyBytes, RecordCodec.NO_ATTRIBUTES,
            ObjectAttributes.DEFAULT, staged.segment.buffer(), staged.valueOffset, staged.valueLength, null);
        IndexEntry removal = append(RecordDescriptor.TYPE_DELETE, RecordDescriptor.SPACE_STAGED, RecordDescriptor.FLAG_GROUPED,
            c.namespaceBytes, c.sourceKeyBytes, RecordCodec.NO_ATTRIBUTES, ObjectAttributes.DEFAULT, null, 0, 0, null);
        append(RecordDescriptor.TYPE_COMMIT, RecordDescriptor.SPACE_META, (byte) 0, c.namespaceBytes, RecordCodec.NO_ATTRIBUTES,
            RecordCodec.NO_ATTRIBUTES, ObjectAttributes.DEFAULT, null, 0, 0, null);
        stage(c, List.of(new Change(c.namespace, RecordDescriptor.SPACE_STATE, c.key, head, head.lsn),
            new Change(c.namespace, RecordDescriptor.SPACE_STAGED, c.sourceKey, REMOVED, removal.lsn)), head.lsn);
    }

    /**
     * Copies a live record forward, byte for byte but flagged {@link RecordDescriptor#FLAG_COPIED},
     * ungrouped and stamped with this writer's epoch; LSN, timestamp and value stay, so does the ETag.
     * Skipped (completes with {@code null}) when the record no longer holds the current version:
     * the check is exact because it runs here, against the index and this batch's own writes.
     */
    private void relocate(WriteCommand c) {
        IndexEntry current = current(c.namespace, c.space, c.key);
        if (current == null || current.segment != c.sourceSegment || current.recordOffset != c.sourceOffset) {
            batch.add(new Applied(c.result, null, List.of()));
            return;
        }
        int frameLength = RecordCodec.frameLength(current.segment.buffer(), current.recordOffset);
        reserve(RecordDescriptor.align(frameLength));
        readable(current.segment, current.recordOffset);
        Segment segment = log.active();
        UnsafeBuffer buffer = window.buffer();
        int offset = log.position();
        int at = window.index(offset);
        // Everything but the frame length, which seal() publishes last.
        buffer.putBytes(at + RecordDescriptor.CRC_OFFSET, current.segment.buffer(), current.recordOffset + RecordDescriptor.CRC_OFFSET,
            frameLength - RecordDescriptor.CRC_OFFSET);
        byte flags = (byte) ((RecordCodec.flags(buffer, at) & ~RecordDescriptor.FLAG_GROUPED) | RecordDescriptor.FLAG_COPIED);
        buffer.putByte(at + RecordDescriptor.FLAGS_OFFSET, flags);
        buffer.putInt(at + RecordDescriptor.EPOCH_OFFSET, epoch, java.nio.ByteOrder.LITTLE_ENDIAN);
        codec.seal(buffer, at, frameLength, segment.crcSeed());
        advance(frameLength);
        int valueDistance = current.valueOffset - current.recordOffset;
        IndexEntry moved = BlobEntry.of(current instanceof BlobEntry, current.lsn, segment, offset, offset + valueDistance,
            current.valueLength, current.timestampMillis, current.attributes, current.metaValue, buffer, at + valueDistance);
        Change change = new Change(new OverlayKey(c.namespace, c.space, c.key), moved, current.lsn, false);
        overlay.put(change.target, change);
        batch.add(new Applied(c.result, etag(current.lsn), List.of(change)));
    }

    /** A copy of {@code source}'s value is a blob reference too when {@code source}'s is. */
    private static byte blobFlag(IndexEntry source) {
        return source instanceof BlobEntry ? RecordDescriptor.FLAG_BLOB : 0;
    }

    private static long frame(byte[] namespace, byte[] key, byte[] attributes, long valueLength) {
        return RecordDescriptor.align(RecordDescriptor.frameLength(namespace.length, key.length, attributes.length, valueLength));
    }

    /** Makes sure {@code bytes} fit in the active segment, rolling to the next one if not. */
    private void reserve(long bytes) {
        if (bytes > log.active().capacity()) {
            throw new InvalidRequestException("record of " + bytes + " bytes exceeds the segment size " + log.active().capacity());
        }
        if (log.position() + bytes > log.active().capacity()) {
            Segment sealed = log.active();
            awaitCommitted();
            if (failure != null) {
                throw failure;
            }
            window.flush();
            // Every published batch ended in this segment or before it: once it is synced, under
            // NONE or GROUP durability, the seal lets checkpoints move on between syncs.
            Checkpoints.Point published = committer == null ? applyingEnd : null;
            if (sealer != null) {
                sealer.seal(sealed, unsyncedFrom, log.position(), () -> moveDurablePoint(published));
            } else {
                // Sealed segments are synced whole before the next one gets a record.
                sealed.syncSealed(syncer, unsyncedFrom, log.position());
                moveDurablePoint(published);
            }
            log.roll();
            unsyncedFrom = 0;
        }
        window.reserve(log.active(), log.position(), bytes);
        if (batchRanges.isEmpty() || batchRanges.get(batchRanges.size() - 1).segment != log.active()) {
            batchRanges.add(new Range(log.active(), log.position()));
        }
    }

    /**
     * Appends one record; {@code attributes} are its encoded bytes, {@code indexed} the same
     * attributes as the index entry keeps them (so they are never decoded back). The value is
     * {@code valueLength} bytes of {@code value} from {@code valueIndex} (none if {@code value} is
     * null): the command's, or a segment's (copy and promote, made {@link #readable} first).
     * {@code meta}: a meta document's bytes, which its index entry keeps.
     */
    private IndexEntry append(byte type, byte space, byte flags, byte[] namespace, byte[] key, byte[] attributes,
                              ObjectAttributes indexed, DirectBuffer value, int valueIndex, int valueLength, byte[] meta) {
        Segment segment = log.active();
        UnsafeBuffer buffer = window.buffer();
        int offset = log.position();
        int at = window.index(offset);
        long lsn = nextLsn++;
        long now = clock.millis();
        codec.writeHeader(buffer, at, type, space, flags, namespace, key, attributes, lsn, now, epoch, valueLength);
        int valueDistance = RecordCodec.valueOffset(namespace.length, key.length, attributes.length);
        if (value != null) {
            buffer.putBytes(at + valueDistance, value, valueIndex, valueLength);
        }
        int frameLength = (int) RecordDescriptor.frameLength(namespace.length, key.length, attributes.length, valueLength);
        codec.seal(buffer, at, frameLength, segment.crcSeed());
        advance(frameLength);
        return BlobEntry.of((flags & RecordDescriptor.FLAG_BLOB) != 0, lsn, segment, offset, offset + valueDistance, valueLength, now,
            indexed, meta, buffer, at + valueDistance);
    }

    private void advance(int frameLength) {
        log.advance((int) RecordDescriptor.align(frameLength));
        window.appended(log.position());
        batchBytes += frameLength;
    }

    /**
     * Makes bytes at {@code offset} of {@code segment} readable through its mapping: in NFS mode
     * this batch's own records (a copy or promote of a value written just before) are flushed first.
     */
    private void readable(Segment segment, int offset) {
        if (window.unflushed(segment, offset)) {
            window.flush();
        }
    }

    private void stage(WriteCommand c, List<Change> changes, long lsn) {
        for (Change change : changes) {
            overlay.put(change.target, change);
        }
        batch.add(new Applied(c.result, etag(lsn), changes));
    }

    private void commitBatch() {
        if (batch.isEmpty()) {
            batchRanges.clear();
            return;
        }
        if (failure == null && watermark.epoch() > epoch) {
            failStore(new StorageException("writer epoch " + epoch + " was superseded by epoch " + watermark.epoch()
                + " while a batch was built: the batch is cut, and this writer appends nothing more"));
        }
        if (failure != null) {
            // The store failed while this batch was being built (e.g. the sync that seals a segment).
            cutBatch(failure);
            return;
        }
        try {
            window.flush();
            if (committer == null && durability.acknowledgesAfterSync()) {
                syncUnsynced();
            }
        } catch (RuntimeException e) {
            cutBatch(syncFailed(e));
            return;
        }
        Appended appended = new Appended(batch, batchRanges, log.active(), endOfLog());
        if (committer == null) {
            publish(appended);
            forget(batch);
            clearBatch();
            if (closeAfterBatch) {
                closeActive();
            }
            return;
        }
        committer.submit(new Committer.Batch<>(appended, log.active(), unsyncedFrom, log.position()));
        unsyncedFrom = log.position();
        submitted.add(appended);
        batch = new ArrayList<>();
        batchRanges = new ArrayList<>();
        batchBytes = 0;
        forgetCommitted();
    }

    /**
     * Applies a written (and, if acknowledged after a sync, synced) batch to the index, tells
     * followers, completes its callers and feeds its changes to subscribers. On the writer thread,
     * or the committer's.
     */
    private void publish(Appended appended) {
        applyingEnd = appended.end;
        for (Applied a : appended.applied) {
            for (Change ch : a.changes) {
                if (ch.entry == REMOVED) {
                    index.remove(ch.target.namespace(), ch.target.space(), ch.target.key());
                } else {
                    index.put(ch.target.namespace(), ch.target.space(), ch.target.key(), ch.entry);
                }
            }
        }
        Checkpoints.Point end = appended.end;
        appliedEnd = end;
        watermark.publish(epoch, end.segmentId(), end.offset(), end.lsn());
        if (durability.acknowledgesAfterSync()) {
            // Before any caller learns of its write: a checkpoint it asks for next must cover it.
            durablePoint.moveTo(end);
        }
        for (Applied a : appended.applied) {
            a.result.complete(a.etag);
            if (feed.hasSubscribers()) {
                for (Change ch : a.changes) {
                    if (ch.published && ch.target.space() != RecordDescriptor.SPACE_STAGED) {
                        boolean removed = ch.entry == REMOVED;
                        feed.publish(new ChangeEvent(ch.target.namespace(), Space.values()[ch.target.space()], ch.target.key(),
                            removed ? ChangeType.DELETE : ChangeType.PUT, removed ? null : etag(ch.lsn), ch.lsn));
                    }
                }
            }
        }
    }

    /** Takes the changes of batches the committer has finished with out of the overlay: the index has them now. */
    private void forgetCommitted() {
        for (long done = committer.completed(); forgotten < done; forgotten++) {
            forget(submitted.poll().applied);
        }
    }

    /**
     * Takes a published batch's changes out of the overlay, one by one: clearing it would cost its
     * whole table, which keeps the size of the largest batch ever seen (a HashMap never shrinks).
     */
    private void forget(List<Applied> published) {
        for (Applied a : published) {
            for (Change ch : a.changes) {
                overlay.remove(ch.target, ch);
            }
        }
    }

    /** Waits until the sealer (if any) has synced everything handed to it; its failure fails the store. */
    private void awaitSealed() {
        if (sealer != null) {
            try {
                sealer.await();
            } catch (StorageException e) {
                sealFailed(e);
            }
        }
    }

    /** Waits until the committer (if any) has published or failed every batch submitted to it. */
    private void awaitCommitted() {
        if (committer != null) {
            committer.awaitIdle();
            forgetCommitted();
        }
    }

    /** A sync failed: the store fails (once, with this error), and the caller cuts the unsynced batches. */
    private StorageException syncFailed(RuntimeException e) {
        StorageException error = new StorageException("sync failed; the writes not yet synced were cut off and the store"
            + " refuses writes until reopened: " + e.getMessage(), e);
        if (failStore(error)) {
            LOG.error("logstore sync failed; cutting the writes not yet synced and refusing further writes", e);
        }
        return failure;
    }

    /** Closes the active segment's file: in the NFS mode after a batch, for close-to-open visibility on other hosts; after a cut. */
    private void closeActive() {
        try {
            log.active().closeFile();
        } catch (RuntimeException e) {
            LOG.warn("closing {} after a batch failed", log.active(), e);
        }
    }

    /**
     * Hands the active segment's unsynced bytes to the sealer, after the seals and syncs handed to
     * it before, and completes {@code result} (if any) once they are durable: appends go on
     * meanwhile. On the role holder, a compaction pass's sync of most of a 128 MiB segment held up
     * every put for 30-430 ms (docs/benchmarks.md, run 21).
     */
    private void syncInBackground(CompletableFuture<String> result) {
        window.flush();
        int to = log.position();
        Checkpoints.Point end = endOfLog();
        CompletableFuture<Void> synced = sealer.sync(log.active(), unsyncedFrom, to, () -> moveDurablePoint(end));
        unsyncedFrom = to;
        if (result != null) {
            synced.whenComplete((done, error) -> {
                if (error == null) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(failure != null ? failure
                        : new StorageException("syncing the log in the background failed: " + error.getMessage(), error));
                }
            });
        }
    }

    /** Writes (NFS mode) and syncs the active segment's unsynced bytes. */
    void syncUnsynced() {
        window.flush();
        int to = log.position();
        syncer.sync(log.active(), unsyncedFrom, to);
        unsyncedFrom = to;
    }

    /**
     * The store failed before this batch was durable: zero the batch's records so they can never
     * reappear after a restart, and fail its callers with {@code error}.
     */
    private void cutBatch(StorageException error) {
        // The committer may still be cutting earlier batches in the active segment's file.
        awaitCommitted();
        zero(batchRanges, log.active(), log.position());
        closeActive();
        window.discard(log.position());
        fail(batch, error);
        overlay.clear(); // after a cut nothing more is appended
        clearBatch();
    }

    /**
     * Zeroes a cut batch's records and syncs the zeros: from each range's start to {@code end} in
     * {@code last}, where the batch ends, and to the segment's end in the segments before it.
     */
    private static void zero(List<Range> ranges, Segment last, int end) {
        for (Range r : ranges) {
            int to = r.segment == last ? end : r.segment.capacity();
            try {
                r.segment.zero(r.from, to);
                r.segment.force(r.from, to);
                if (r.segment != last) {
                    r.segment.closeFile();
                }
            } catch (RuntimeException e) {
                LOG.error("could not zero the cut batch in {} [{}, {})", r.segment, r.from, to, e);
            }
        }
    }

    private static void fail(List<Applied> applied, StorageException error) {
        for (Applied a : applied) {
            a.result.completeExceptionally(error);
        }
    }

    /** Forgets the batch being built (its changes are out of the overlay already, or the overlay goes whole). */
    private void clearBatch() {
        batch.clear();
        batchRanges.clear();
        batchBytes = 0;
    }

    /** Fails the store with {@code error} unless it already failed; true if this call did. */
    private synchronized boolean failStore(StorageException error) {
        if (failure == null) {
            failure = Objects.requireNonNull(error);
            durablePoint.wakeWaiters();
            return true;
        }
        return false;
    }

    @Override
    public void onShutdown() {
        role.lock();
        try {
            try {
                commitBatch();
            } finally {
                if (committer != null) {
                    committer.close();
                }
                if (sealer != null) {
                    awaitSealed();
                    sealer.close();
                }
            }
            if (failure == null) {
                // Nothing appends any more: the final sync is then an fsync, not an msync (see Segment).
                log.active().endAppends();
                syncUnsynced();
                markDurable();
            }
        } catch (RuntimeException e) {
            LOG.error("final sync at close failed", e);
        } finally {
            role.unlock();
            stopped.countDown();
            durablePoint.wakeWaiters();
        }
    }

    /**
     * Waits until the writer thread has run {@link #onShutdown()}: the Disruptor's shutdown returns
     * when the ring is drained, before that, and the segments must not be released under it.
     */
    boolean awaitStopped(long timeout, java.util.concurrent.TimeUnit unit) throws InterruptedException {
        return stopped.await(timeout, unit);
    }
}
