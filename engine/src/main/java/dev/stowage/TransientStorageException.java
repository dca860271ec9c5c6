package dev.stowage;

/**
 * A failure that may succeed if the same request is repeated: a timeout, a throttled or
 * unavailable server, a reset connection. Nothing is known to have changed, but a write may
 * have been applied; repeat a mutation under the same {@link Precondition} to stay correct.
 *
 * <p>The only failure {@code dev.stowage.retry} retries. Immutable; thread-safe.
 */
public class TransientStorageException extends StorageException {
    private static final long serialVersionUID = 1L;

    public TransientStorageException(String message) {
        super(message);
    }

    public TransientStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
