package dev.stowage;

import java.util.Set;

/**
 * Opens backends for one URL scheme. Implementations are registered with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.stowage.BackendProvider}) so that a
 * module adds its scheme to {@link Stores#open} just by being on the class path.
 *
 * <p>Implementations must be thread-safe and cheap to construct.
 */
public interface BackendProvider {
    /** The URL scheme served, lower case, e.g. {@code mem}. */
    String scheme();

    /** The query options this scheme understands; {@link Stores} rejects any other. */
    Set<String> options();

    /** Opens a backend at {@code location}; its options are already checked against {@link #options()}. */
    Backend open(StoreLocation location);
}
