package dev.stowage;

/**
 * The calling thread was interrupted while blocked in a storage call (waiting for a lock, a
 * sync, a backoff). The thread's interrupt status is set again before this is thrown. A write
 * cut short this way may or may not have been applied. Not retried.
 *
 * <p>Immutable; thread-safe.
 */
public final class InterruptedStorageException extends StorageException {
    private static final long serialVersionUID = 1L;

    public InterruptedStorageException(String what, InterruptedException cause) {
        super("interrupted while " + what, cause);
        Thread.currentThread().interrupt();
    }
}
