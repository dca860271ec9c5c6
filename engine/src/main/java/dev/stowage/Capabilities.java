package dev.stowage;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a backend can do and the size limits it enforces. Wrappers report the capabilities of the
 * backend they wrap unchanged.
 *
 * <p>Immutable; thread-safe.
 */
public final class Capabilities {
    /** Default largest meta document, in bytes. Meta documents are small and kept in memory. */
    public static final int DEFAULT_MAX_META_BYTES = 256 * 1024;
    /** Default largest state or object body, in bytes (1 TiB: effectively the store's capacity). */
    public static final long DEFAULT_MAX_BODY_BYTES = 1L << 40;

    private final Set<Capability> features;
    private final int maxMetaBytes;
    private final long maxBodyBytes;

    private Capabilities(Set<Capability> features, int maxMetaBytes, long maxBodyBytes) {
        if (maxMetaBytes <= 0 || maxBodyBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive: meta=" + maxMetaBytes + " body=" + maxBodyBytes);
        }
        this.features = Collections.unmodifiableSet(features.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(features));
        this.maxMetaBytes = maxMetaBytes;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Capabilities with the given features and default limits. */
    public static Capabilities of(Set<Capability> features) {
        return new Capabilities(features, DEFAULT_MAX_META_BYTES, DEFAULT_MAX_BODY_BYTES);
    }

    /** Capabilities with the given features and limits. */
    public static Capabilities of(Set<Capability> features, int maxMetaBytes, long maxBodyBytes) {
        return new Capabilities(features, maxMetaBytes, maxBodyBytes);
    }

    public boolean has(Capability capability) {
        return features.contains(capability);
    }

    /** Every feature offered, in declaration order. */
    public Set<Capability> features() {
        return features;
    }

    /** Largest meta document accepted; larger ones fail with {@link InvalidRequestException}. */
    public int maxMetaBytes() {
        return maxMetaBytes;
    }

    /** Largest state or object body accepted; larger ones fail with {@link InvalidRequestException}. */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Capabilities)) {
            return false;
        }
        Capabilities c = (Capabilities) o;
        return features.equals(c.features) && maxMetaBytes == c.maxMetaBytes && maxBodyBytes == c.maxBodyBytes;
    }

    @Override
    public int hashCode() {
        return features.hashCode() * 31 + Integer.hashCode(maxMetaBytes) * 17 + Long.hashCode(maxBodyBytes);
    }

    @Override
    public String toString() {
        return "Capabilities" + features + "{maxMetaBytes=" + maxMetaBytes + ", maxBodyBytes=" + maxBodyBytes + "}";
    }
}
