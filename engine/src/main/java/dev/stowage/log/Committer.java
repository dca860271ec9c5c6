package dev.stowage.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit stage behind the writer thread when every batch is acknowledged after a sync: takes
 * batches the writer has appended and written to the file, syncs them, and hands each back to be
 * published, in the order they were submitted. The writer appends the next batch while one is being
 * synced, and every batch that queued up meanwhile is made durable by the next single sync (group
 * commit across batches), so the disk's sync latency is no longer spent idle by the writer.
 *
 * <p>Failure: once a sync fails, its batches and every batch submitted after it (their records
 * follow the failed ones in the log) go to {@link Outcome#failed}; none is ever published.
 *
 * <p>Back-pressure: the writer waits in {@link #submit} while more than {@code maxPendingBytes} of
 * record bytes are submitted and not yet synced, so a fast writer cannot run ahead of the disk.
 *
 * <p>Thread-safety: {@link #start}, {@link #submit}, {@link #awaitIdle} and {@link #close} from
 * the thread holding the writer role (see {@link LogWriter}); the {@link Outcome} runs on the
 * committer's own thread, one batch at a time.
 *
 * @param <T> what the writer needs back to publish or cut a batch
 */
final class Committer<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Committer.class);

    /** What happens to a batch once its sync is done. */
    interface Outcome<T> {
        /** The batch is durable: publish it. */
        void durable(T work);

        /** The batch's sync, or an earlier one, failed with {@code error}: cut it, fail its callers. */
        void failed(T work, RuntimeException error);
    }

    /** A batch written to {@code segment} whose bytes {@code [syncFrom, syncTo)} are not yet durable. */
    record Batch<T>(T work, Segment segment, int syncFrom, int syncTo) {
        long bytes() {
            return syncTo - syncFrom;
        }
    }

    private final Syncer syncer;
    private final Outcome<T> outcome;
    private final long maxPendingBytes;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition submitted = lock.newCondition();
    private final Condition progressed = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Batch<T>> queue = new ArrayDeque<>();
    /** Bytes of the queued batches and of those being synced; guarded by {@link #lock}. */
    private long pendingBytes;
    /** Whether a group taken from the queue is being synced or handed to the outcome; guarded by {@link #lock}. */
    private boolean committing;
    /** Guarded by {@link #lock}. */
    private boolean stopping;
    /** Batches handed to the outcome so far. */
    private volatile long completed;
    /** The first failed sync; committer thread only. */
    private RuntimeException failure;

    /**
     * @param maxPendingBytes submitted bytes not yet synced beyond which {@link #submit} waits; at least 1
     */
    Committer(Syncer syncer, Outcome<T> outcome, long maxPendingBytes, String threadName) {
        if (maxPendingBytes < 1) {
            throw new IllegalArgumentException("maxPendingBytes must be positive: " + maxPendingBytes);
        }
        this.syncer = syncer;
        this.outcome = outcome;
        this.maxPendingBytes = maxPendingBytes;
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /**
     * Queues {@code batch} for the next sync, first waiting while the batches already submitted
     * hold {@code maxPendingBytes} or more (a batch larger than that is taken alone).
     */
    void submit(Batch<T> batch) {
        lock.lock();
        try {
            while (pendingBytes > 0 && pendingBytes + batch.bytes() > maxPendingBytes) {
                progressed.awaitUninterruptibly();
            }
            queue.add(batch);
            pendingBytes += batch.bytes();
            submitted.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Whether nothing is queued or being committed. */
    boolean idle() {
        lock.lock();
        try {
            return queue.isEmpty() && !committing;
        } finally {
            lock.unlock();
        }
    }

    /** Batches handed to the {@link Outcome} so far, durable or failed. */
    long completed() {
        return completed;
    }

    /** Waits until every submitted batch has been handed to the {@link Outcome}. */
    void awaitIdle() {
        lock.lock();
        try {
            while (!queue.isEmpty() || committing) {
                progressed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Completes every submitted batch, then stops the thread and waits for it. */
    @Override
    public void close() {
        lock.lock();
        try {
            stopping = true;
            submitted.signal();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<Batch<T>> group = new ArrayList<>();
        while (take(group)) {
            commit(group);
            lock.lock();
            try {
                for (Batch<T> b : group) {
                    pendingBytes -= b.bytes();
                }
                committing = false;
                progressed.signalAll();
            } finally {
                lock.unlock();
            }
            group.clear();
        }
    }

    /** Moves every queued batch to {@code group}, waiting for one; false once stopping with nothing queued. */
    private boolean take(List<Batch<T>> group) {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (stopping) {
                    return false;
                }
                submitted.awaitUninterruptibly();
            }
            group.addAll(queue);
            queue.clear();
            committing = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** One sync for the whole group (the writer submits batches of one segment between rolls), then the outcomes. */
    private void commit(List<Batch<T>> group) {
        if (failure == null) {
            Segment segment = group.get(0).segment();
            int from = Integer.MAX_VALUE;
            int to = 0;
            for (Batch<T> b : group) {
                if (b.segment() != segment) {
                    failure = new IllegalStateException("batches of " + segment + " and " + b.segment() + " queued for one sync");
                }
                from = Math.min(from, b.syncFrom());
                to = Math.max(to, b.syncTo());
            }
            try {
                if (failure == null) {
                    syncer.sync(segment, from, to);
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        for (Batch<T> b : group) {
            try {
                if (failure == null) {
                    outcome.durable(b.work());
                } else {
                    outcome.failed(b.work(), failure);
                }
            } catch (RuntimeException | Error e) {
                // The committer never dies: a bug while publishing fails this batch and every later one.
                LOG.error("publishing a synced batch failed; failing it and every later batch", e);
                if (failure == null) {
                    failure = new IllegalStateException("publishing a synced batch failed: " + e, e);
                    outcome.failed(b.work(), failure);
                }
            }
            completed++;
        }
    }
}
