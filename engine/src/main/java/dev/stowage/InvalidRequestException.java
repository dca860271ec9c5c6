package dev.stowage;

/**
 * The request itself is wrong and will fail the same way every time: an invalid key or
 * namespace, an oversized body, a bad listing limit, an unknown store option. Nothing was
 * changed. The message says what was wrong and what is allowed.
 *
 * <p>Immutable; thread-safe.
 */
public final class InvalidRequestException extends StorageException {
    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String reason) {
        super(reason);
    }

    public InvalidRequestException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
