package dev.stowage.crypto;

import dev.stowage.StorageException;

/**
 * Data names a root key id that the {@link KeyProvider} does not hold: a configuration error
 * (a retired key removed too early, or the wrong key file), never retried. The message names the
 * id, never key material.
 *
 * <p>Immutable; thread-safe.
 */
public final class UnknownKeyException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String rootKeyId;

    public UnknownKeyException(String rootKeyId) {
        super("root key '" + rootKeyId + "' is not held by the key provider");
        this.rootKeyId = rootKeyId;
    }

    /** The id that was asked for. */
    public String rootKeyId() {
        return rootKeyId;
    }
}
