package dev.stowage;

/**
 * Root of every failure a {@link Backend} reports. Unchecked: callers handle the subtypes they
 * care about and let the rest propagate.
 *
 * <p>Subtypes: {@link NotFoundException}, {@link PreconditionFailedException},
 * {@link TransientStorageException}, {@link CorruptionException}, {@link InvalidRequestException},
 * {@link ClosedException}, {@link InterruptedStorageException}. Only
 * {@link TransientStorageException} is safe to retry.
 *
 * <p>Instances are immutable and therefore thread-safe.
 */
public class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * For outcomes that are part of normal control flow (a missing key, a lost CAS race): no
     * stack trace is captured, so a lock service polling a key does not pay for one per miss.
     */
    protected StorageException(String message, boolean captureStackTrace) {
        super(message, null, false, captureStackTrace);
    }
}
