package dev.stowage.log;

import dev.stowage.StorageException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** One named daemon thread for a store's background work (segment preparation, seals). */
final class BackgroundThread {
    /** How long {@link #stop} waits for the queued work. */
    private static final long STOP_TIMEOUT_MINUTES = 1;

    private BackgroundThread() {
    }

    /** An executor running its tasks in order on one daemon thread called {@code name}, started on first use. */
    static ExecutorService named(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Lets {@code executor} finish its queued tasks and stops its thread; an interrupt ends the
     * wait (and is kept).
     *
     * @throws StorageException if the tasks did not finish within a minute ({@code what} names the work)
     */
    static void stop(ExecutorService executor, String what) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                throw new StorageException(what + " did not finish within " + STOP_TIMEOUT_MINUTES + " minute");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
