package dev.stowage.observe;

import dev.stowage.Backend;
import dev.stowage.StoreLocation;
import dev.stowage.WrapperProvider;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Switches on {@link ObservedBackend} from a store URL: {@code observe=true}, optionally
 * {@code observe.logger=NAME} (default {@value ObservedBackend#DEFAULT_LOGGER}). Outermost of the
 * wrappers, so recorded latency includes retries.
 */
public final class ObserveWrapperProvider implements WrapperProvider {
    /** The switch option. */
    public static final String OBSERVE = "observe";
    public static final String LOGGER = "observe.logger";

    @Override
    public String switchOption() {
        return OBSERVE;
    }

    @Override
    public Set<String> options() {
        return Set.of(LOGGER);
    }

    @Override
    public int order() {
        return ORDER_OBSERVE;
    }

    @Override
    public Backend wrap(Backend inner, StoreLocation location) {
        return new ObservedBackend(inner, LoggerFactory.getLogger(location.string(LOGGER, ObservedBackend.DEFAULT_LOGGER)),
            System::nanoTime);
    }
}
