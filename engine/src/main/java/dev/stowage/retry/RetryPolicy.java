package dev.stowage.retry;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How {@link RetryingBackend} retries: at most {@link #maxAttempts()} attempts in all, an
 * exponential backoff from {@link #initialBackoff()} growing by {@link #multiplier()} up to
 * {@link #maxBackoff()}, each wait shortened by a random fraction of up to {@link #jitter()} so
 * that clients that failed together do not retry together, and an overall {@link #deadline()}
 * after which no new attempt starts.
 *
 * <p>Built with {@link #builder()}, validated once by {@link Builder#build()}. Immutable;
 * thread-safe.
 */
public final class RetryPolicy {
    /** Default {@link #maxAttempts()}: the first try and four retries. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** Default {@link #initialBackoff()}. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(50);
    /** Default {@link #maxBackoff()}. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
    /** Default {@link #multiplier()}. */
    public static final double DEFAULT_MULTIPLIER = 2.0;
    /** Default {@link #jitter()}: waits vary between 50% and 100% of the nominal backoff. */
    public static final double DEFAULT_JITTER = 0.5;
    /** Default {@link #deadline()} for one call, retries included. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

    private final int maxAttempts;
    private final long initialBackoffNanos;
    private final long maxBackoffNanos;
    private final double multiplier;
    private final double jitter;
    private final long deadlineNanos;

    private RetryPolicy(Builder b) {
        if (b.maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + b.maxAttempts);
        }
        if (b.initialBackoff.isNegative() || b.maxBackoff.compareTo(b.initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff: " + b.initialBackoff + ", " + b.maxBackoff);
        }
        if (!(b.multiplier >= 1.0) || Double.isInfinite(b.multiplier)) {
            throw new IllegalArgumentException("multiplier must be a finite number >= 1: " + b.multiplier);
        }
        if (!(b.jitter >= 0.0 && b.jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be within [0, 1]: " + b.jitter);
        }
        if (b.deadline.isNegative() || b.deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive: " + b.deadline);
        }
        this.maxAttempts = b.maxAttempts;
        this.initialBackoffNanos = b.initialBackoff.toNanos();
        this.maxBackoffNanos = b.maxBackoff.toNanos();
        this.multiplier = b.multiplier;
        this.jitter = b.jitter;
        this.deadlineNanos = b.deadline.toNanos();
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default policy. */
    public static RetryPolicy defaults() {
        return builder().build();
    }

    /** Attempts in all, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return Duration.ofNanos(initialBackoffNanos);
    }

    public Duration maxBackoff() {
        return Duration.ofNanos(maxBackoffNanos);
    }

    public double multiplier() {
        return multiplier;
    }

    public double jitter() {
        return jitter;
    }

    /** Longest time one call may take, retries and waits included; no attempt starts after it. */
    public Duration deadline() {
        return Duration.ofNanos(deadlineNanos);
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    /**
     * The wait after failed attempt number {@code attempt} (1-based), in nanoseconds:
     * {@code min(maxBackoff, initialBackoff * multiplier^(attempt-1))} less a random share of up to
     * {@link #jitter()} of it.
     */
    public long backoffNanos(int attempt, RandomGenerator random) {
        double nominal = Math.min((double) maxBackoffNanos, initialBackoffNanos * Math.pow(multiplier, attempt - 1));
        return (long) (nominal * (1.0 - jitter * random.nextDouble()));
    }

    @Override
    public String toString() {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff() + ", maxBackoff="
            + maxBackoff() + ", multiplier=" + multiplier + ", jitter=" + jitter + ", deadline=" + deadline() + "}";
    }

    /** Fluent builder; not thread-safe. */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private double multiplier = DEFAULT_MULTIPLIER;
        private double jitter = DEFAULT_JITTER;
        private Duration deadline = DEFAULT_DEADLINE;

        private Builder() {
        }

        /** See {@link RetryPolicy#maxAttempts()}; default {@link #DEFAULT_MAX_ATTEMPTS}. */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** See {@link RetryPolicy#initialBackoff()}; default {@link #DEFAULT_INITIAL_BACKOFF}. */
        public Builder initialBackoff(Duration initialBackoff) {
            this.initialBackoff = initialBackoff;
            return this;
        }

        /** See {@link RetryPolicy#maxBackoff()}; default {@link #DEFAULT_MAX_BACKOFF}. */
        public Builder maxBackoff(Duration maxBackoff) {
            this.maxBackoff = maxBackoff;
            return this;
        }

        /** See {@link RetryPolicy#multiplier()}; default {@link #DEFAULT_MULTIPLIER}. */
        public Builder multiplier(double multiplier) {
            this.multiplier = multiplier;
            return this;
        }

        /** See {@link RetryPolicy#jitter()}; default {@link #DEFAULT_JITTER}. */
        public Builder jitter(double jitter) {
            this.jitter = jitter;
            return this;
        }

        /** See {@link RetryPolicy#deadline()}; default {@link #DEFAULT_DEADLINE}. */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first inconsistent setting
         */
        public RetryPolicy build() {
            return new RetryPolicy(this);
        }
    }
}
