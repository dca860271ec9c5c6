package dev.stowage;

/**
 * The backend was closed or aborted before or during the call. For a write, the outcome of an
 * operation interrupted by {@link Backend#abort()} is unknown unless the backend documents
 * otherwise; a call started after close changed nothing.
 *
 * <p>Immutable; thread-safe.
 */
public final class ClosedException extends StorageException {
    private static final long serialVersionUID = 1L;

    public ClosedException(String what) {
        super(what + " is closed");
    }
}
