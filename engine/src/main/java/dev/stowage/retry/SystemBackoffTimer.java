package dev.stowage.retry;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link BackoffTimer} on real time. A wait is a condition wait, so it ends at once on interrupt
 * (unlike a sleep that is only checked when it wakes) and on {@link #wakeAll()}. Thread-safe.
 */
final class SystemBackoffTimer implements BackoffTimer {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private long generation;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void await(long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long start = generation;
            long remaining = nanos;
            while (remaining > 0 && generation == start) {
                remaining = woken.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wakeAll() {
        lock.lock();
        try {
            generation++;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
