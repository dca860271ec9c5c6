package dev.stowage.crypto;

import dev.stowage.CorruptionException;

/**
 * Encrypted bytes or their descriptor failed authentication: tampered, truncated, reordered,
 * moved onto another key, namespace or kind, or wrapped under a different root key than the one
 * of that id. No plaintext of the failing frame, nor of any later frame, is ever returned.
 * Never retried.
 *
 * <p>Immutable; thread-safe.
 */
public class IntegrityException extends CorruptionException {
    private static final long serialVersionUID = 1L;

    public IntegrityException(String location, long offset, String reason) {
        super(location, offset, reason);
    }

    public IntegrityException(String location, long offset, String reason, Throwable cause) {
        super(location, offset, reason, cause);
    }
}
