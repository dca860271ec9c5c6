package dev.stowage.log;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Syncer} that, once armed, holds the next sync until released, then passes it on:
 * catches the writer (or its committer) in the middle of a sync, for as long as a test needs.
 */
final class HeldSyncer implements Syncer {
    private final Syncer next;
    private final AtomicBoolean armed = new AtomicBoolean();
    private final CountDownLatch held = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);

    /** Holds syncs in front of {@link Segment#force}. */
    HeldSyncer() {
        this(Segment::force);
    }

    /** Holds syncs in front of {@code next}, which does (or fails) them. */
    HeldSyncer(Syncer next) {
        this.next = next;
    }

    /** The next sync to come is held. */
    void arm() {
        armed.set(true);
    }

    /** Waits until the armed sync is held; false if it was not within {@code timeout}. */
    boolean awaitHeld(long timeout, TimeUnit unit) throws InterruptedException {
        return held.await(timeout, unit);
    }

    /** Lets the held sync (and any later one) go on. */
    void release() {
        released.countDown();
    }

    @Override
    public void sync(Segment segment, int from, int to) {
        if (armed.getAndSet(false)) {
            held.countDown();
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        next.sync(segment, from, to);
    }
}
