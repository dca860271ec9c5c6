package dev.stowage.log;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many callers may busy-wait at once (for an acknowledgement, or for another thread's append
 * to end): the others park or hand their write over at once, so spinning callers never take every
 * core from the threads they wait for.
 *
 * <p>Thread-safe.
 */
final class SpinLimit {
    private final int max;
    private final AtomicInteger spinning = new AtomicInteger();

    /** @param max callers spinning at once; at least 1 */
    SpinLimit(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one caller must be allowed to spin: " + max);
        }
        this.max = max;
    }

    /** Takes a place among the spinning callers; false, with nothing taken, if all are taken. */
    boolean tryAcquire() {
        if (spinning.incrementAndGet() <= max) {
            return true;
        }
        spinning.decrementAndGet();
        return false;
    }

    /** Gives back a place taken by {@link #tryAcquire}. */
    void release() {
        spinning.decrementAndGet();
    }
}
