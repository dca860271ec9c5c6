package dev.stowage;

import java.util.Set;

/**
 * A decorator {@link Stores#open} applies when its switch option is on, registered with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.stowage.WrapperProvider}).
 *
 * <p>Wrappers are applied in ascending {@link #order()}, innermost first. The fixed order is
 * {@link #ORDER_ENCRYPT} (so retries re-encrypt with fresh nonces), then {@link #ORDER_RETRY},
 * then {@link #ORDER_OBSERVE} (so observed latency is what the caller sees, retries included).
 *
 * <p>Implementations must be thread-safe and cheap to construct.
 */
public interface WrapperProvider {
    /** Order of the encryption wrapper: closest to the backend. */
    int ORDER_ENCRYPT = 100;
    /** Order of the retry wrapper. */
    int ORDER_RETRY = 200;
    /** Order of the observability wrapper: outermost. */
    int ORDER_OBSERVE = 300;

    /** The option that switches this wrapper on, e.g. {@code retry}. */
    String switchOption();

    /** The further options this wrapper understands, e.g. {@code retry.maxAttempts}. */
    Set<String> options();

    /** Position in the wrapping order; see the class comment. */
    int order();

    /** Whether the wrapper is switched on for {@code location}. The default reads the switch as a flag. */
    default boolean enabled(StoreLocation location) {
        return location.flag(switchOption(), false);
    }

    /** Wraps {@code inner}; the returned backend owns {@code inner} and closes it. */
    Backend wrap(Backend inner, StoreLocation location);
}
