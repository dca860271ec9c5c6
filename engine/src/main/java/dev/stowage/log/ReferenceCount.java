package dev.stowage.log;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The references to a mapping, its owner's included (the count starts at one): the last release
 * unmaps it, and no reference is taken after that, so a reader never reaches unmapped memory.
 *
 * <p>Thread-safe.
 */
final class ReferenceCount {
    private final AtomicInteger count = new AtomicInteger(1);

    /** Takes a reference; false, with nothing taken, once the last one was released. */
    boolean retain() {
        while (true) {
            int n = count.get();
            if (n <= 0) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * Drops a reference.
     *
     * @param what names the mapping in the error of a release too many
     * @return whether that was the last reference (the caller unmaps)
     * @throws IllegalStateException on a release too many: the mapping is gone, and a reader let
     *                               in now would crash the JVM
     */
    boolean release(Object what) {
        int left = count.decrementAndGet();
        if (left < 0) {
            throw new IllegalStateException(what + " released more often than it was retained");
        }
        return left == 0;
    }

    /** References currently held. */
    int get() {
        return count.get();
    }
}
