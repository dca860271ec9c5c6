package dev.stowage.retry;

import dev.stowage.Backend;
import dev.stowage.StoreLocation;
import dev.stowage.WrapperProvider;
import java.util.Set;

/**
 * Switches on {@link RetryingBackend} from a store URL: {@code retry=true}, tuned by
 * {@code retry.maxAttempts}, {@code retry.initialBackoff}, {@code retry.maxBackoff} and
 * {@code retry.deadline} (durations such as {@code 100ms} or {@code 2s}).
 */
public final class RetryWrapperProvider implements WrapperProvider {
    /** The switch option. */
    public static final String RETRY = "retry";
    public static final String MAX_ATTEMPTS = "retry.maxAttempts";
    public static final String INITIAL_BACKOFF = "retry.initialBackoff";
    public static final String MAX_BACKOFF = "retry.maxBackoff";
    public static final String DEADLINE = "retry.deadline";

    @Override
    public String switchOption() {
        return RETRY;
    }

    @Override
    public Set<String> options() {
        return Set.of(MAX_ATTEMPTS, INITIAL_BACKOFF, MAX_BACKOFF, DEADLINE);
    }

    @Override
    public int order() {
        return ORDER_RETRY;
    }

    @Override
    public Backend wrap(Backend inner, StoreLocation location) {
        RetryPolicy policy;
        try {
            policy = RetryPolicy.builder()
                .maxAttempts((int) location.number(MAX_ATTEMPTS, RetryPolicy.DEFAULT_MAX_ATTEMPTS, 1, 1000))
                .initialBackoff(location.duration(INITIAL_BACKOFF, RetryPolicy.DEFAULT_INITIAL_BACKOFF))
                .maxBackoff(location.duration(MAX_BACKOFF, RetryPolicy.DEFAULT_MAX_BACKOFF))
                .deadline(location.duration(DEADLINE, RetryPolicy.DEFAULT_DEADLINE))
                .build();
        } catch (IllegalArgumentException e) {
            throw new dev.stowage.InvalidRequestException("retry options of " + location + ": " + e.getMessage(), e);
        }
        return new RetryingBackend(inner, policy);
    }
}
