package dev.stowage.log;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The log's durable point: the latest position up to which every record is durable and applied to
 * the index ({@link LogWriter#durablePoint()}), and a wait for it to pass a position.
 *
 * <p>Why a wait rather than a poll: under {@code NONE} and {@code GROUP} a checkpoint (and with it
 * a compaction pass) waits for the next seal or group sync to make durable what it copied, up to
 * {@link LogStore#CHECKPOINT_SYNC_WAIT_NANOS}; woken by the move itself, it neither spends those
 * seconds waking up nor resumes late.
 *
 * <p>Thread-safety: {@link #moveTo} by one thread at a time (whichever the writer lets move the
 * point: the role holder, its committer or its sealer); {@link #get} by any thread; {@link #await}
 * by any number of threads. A move costs one volatile read more while nobody waits: the waiter
 * counts itself before it reads the point and a move reads the count after it writes the point,
 * so either the move sees the waiter and wakes it or the waiter sees the move.
 */
final class DurablePoint {
    private final Object moved = new Object();
    private volatile Checkpoints.Point point;
    /** Threads in {@link #await}; changed under {@link #moved}. */
    private volatile int waiters;

    DurablePoint(Checkpoints.Point initial) {
        this.point = initial;
    }

    Checkpoints.Point get() {
        return point;
    }

    /** Sets the point to {@code next} and wakes the waiters. */
    void moveTo(Checkpoints.Point next) {
        point = next;
        if (waiters != 0) {
            wakeWaiters();
        }
    }

    /** Wakes the waiters to look again at what makes them give up (the writer failed or stopped). */
    void wakeWaiters() {
        synchronized (moved) {
            moved.notifyAll();
        }
    }

    /**
     * Waits until the point is at or past {@code target}, {@code givenUp} holds (checked at each
     * wake-up: call {@link #wakeWaiters} when it may have become true), or {@code timeoutNanos} pass.
     *
     * @return whether the point reached {@code target}
     */
    boolean await(Checkpoints.Point target, long timeoutNanos, BooleanSupplier givenUp) throws InterruptedException {
        if (!target.isAfter(point)) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (moved) {
            waiters++;
            try {
                while (target.isAfter(point)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || givenUp.getAsBoolean()) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(moved, left);
                }
                return true;
            } finally {
                waiters--;
            }
        }
    }
}
