package dev.stowage.crypto;

import dev.stowage.ClosedException;
import dev.stowage.InvalidRequestException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A named 256-bit root key: it never encrypts data itself, only derives the one-time keys that
 * wrap each object version's data key, so rotating it never re-encrypts payloads.
 *
 * <p>{@link #toString()} shows the id only. {@link #destroy()} zeroes the key bytes; a destroyed
 * key fails every later use with {@link ClosedException}. Thread-safe.
 */
public final class RootKey {
    /** Length of the key material in bytes (AES-256 / HKDF-SHA256 input). */
    public static final int KEY_LENGTH = 32;
    /** Longest id accepted; ids are stored in a fixed field of {@link EnvelopeDescriptor}. */
    public static final int MAX_ID_LENGTH = EnvelopeDescriptor.ROOT_KEY_ID_CAPACITY;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_ID_LENGTH + "}");

    private final String id;
    private final byte[] material;
    private volatile boolean destroyed;

    private RootKey(String id, byte[] material) {
        this.id = id;
        this.material = material;
    }

    /**
     * A root key from its id and {@value #KEY_LENGTH} bytes of key material (copied).
     *
     * @throws InvalidRequestException if the id is not 1..32 of {@code [A-Za-z0-9._-]} or the key is not 32 bytes
     */
    public static RootKey of(String id, byte[] material) {
        requireValidId(id);
        if (material == null || material.length != KEY_LENGTH) {
            throw new InvalidRequestException("root key '" + id + "' must be " + KEY_LENGTH + " bytes, not "
                + (material == null ? "null" : material.length));
        }
        return new RootKey(id, material.clone());
    }

    static void requireValidId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new InvalidRequestException("root key id must be 1 to " + MAX_ID_LENGTH
                + " characters of [A-Za-z0-9._-], not '" + id + "'");
        }
    }

    public String id() {
        return id;
    }

    /** The key material; used by {@link KeyWrap} only, never exposed. */
    byte[] material() {
        if (destroyed) {
            throw new ClosedException("root key '" + id + "' was destroyed (its key provider or store is closed)");
        }
        return material;
    }

    /** Zeroes the key bytes; idempotent. */
    public void destroy() {
        destroyed = true;
        Arrays.fill(material, (byte) 0);
    }

    @Override
    public String toString() {
        return "RootKey[" + id + "]";
    }
}
