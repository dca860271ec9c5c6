package dev.stowage.crypto;

/**
 * Data names a root key id that the {@link KeyProvider} does not hold, so it cannot be
 * authenticated: a retired key removed too early, the wrong key file, or an altered id (which is
 * why this is an {@link IntegrityException}). The message names the id, never key material.
 * Never retried.
 *
 * <p>Immutable; thread-safe.
 */
public final class UnknownKeyException extends IntegrityException {
    private static final long serialVersionUID = 1L;

    private final String rootKeyId;

    public UnknownKeyException(String location, String rootKeyId) {
        super(location, UNKNOWN_OFFSET, "root key '" + rootKeyId + "' is not held by the key provider");
        this.rootKeyId = rootKeyId;
    }

    /** The id that was asked for. */
    public String rootKeyId() {
        return rootKeyId;
    }
}
