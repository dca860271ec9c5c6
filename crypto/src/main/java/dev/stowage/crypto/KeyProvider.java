package dev.stowage.crypto;

/**
 * Where root keys come from: {@link KeyRing} (a key file or an environment variable), or an
 * implementation backed by a KMS or HSM.
 *
 * <p>Implementations must be thread-safe; {@link #current()} is called once per write, {@link #byId}
 * once per read, so a remote provider should cache.
 */
public interface KeyProvider {
    /** The root key new writes use. */
    RootKey current();

    /** The root key with this id, current or retired, or {@code null} if this provider does not hold it. */
    RootKey byId(String id);
}
