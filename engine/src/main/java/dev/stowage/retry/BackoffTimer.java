package dev.stowage.retry;

/**
 * The clock and the wait of {@link RetryingBackend}: a strategy so that tests run retries on
 * virtual time and never sleep.
 *
 * <p>Implementations must be thread-safe.
 */
public interface BackoffTimer {
    /** Monotonic time in nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Waits up to {@code nanos}, returning early when {@link #wakeAll()} is called.
     *
     * @throws InterruptedException at once if the thread is or becomes interrupted
     */
    void await(long nanos) throws InterruptedException;

    /** Ends every current {@link #await} (used on close). */
    void wakeAll();

    /** Real time: {@link System#nanoTime()} and an interruptible condition wait. */
    static BackoffTimer system() {
        return new SystemBackoffTimer();
    }
}
