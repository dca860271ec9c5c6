package dev.stowage.retry;

import java.util.ArrayList;
import java.util.List;

/** Virtual time for retry tests: waits advance the clock at once and are recorded. */
final class ManualBackoffTimer implements BackoffTimer {
    private long now = 1_000_000_000L;
    final List<Long> waits = new ArrayList<>();

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized void await(long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        waits.add(nanos);
        now += nanos;
    }

    @Override
    public void wakeAll() {
    }
}
