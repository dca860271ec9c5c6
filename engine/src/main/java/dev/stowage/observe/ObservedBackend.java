package dev.stowage.observe;

import dev.stowage.Backend;
import dev.stowage.CorruptionException;
import dev.stowage.ForwardingBackend;
import dev.stowage.NotFoundException;
import dev.stowage.Operation;
import dev.stowage.PreconditionFailedException;
import dev.stowage.TransientStorageException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Logs every call and records its latency.
 *
 * <p><b>Logging</b> (SLF4J, one line per call: operation, namespace, key, outcome, duration):
 * DEBUG for success and for the expected outcomes not-found and precondition-failed; WARN for
 * transient failures; ERROR for corruption; INFO for any other failure. Payloads, meta document
 * bytes and descriptors are never logged.
 *
 * <p><b>Metrics</b>: one HdrHistogram per operation (nanosecond latencies, 3 significant digits),
 * readable at any time through {@link #latency(Operation)} and {@link #latencies()}.
 *
 * <p>Thread-safe if the wrapped backend is: recording is wait-free for writers and a snapshot
 * copies the histogram. Capabilities pass through unchanged.
 */
public final class ObservedBackend extends ForwardingBackend {
    /** Logger used unless another is given. */
    public static final String DEFAULT_LOGGER = "dev.stowage.ops";

    private final Logger log;
    private final LongSupplier nanoClock;
    private final Map<Operation, ConcurrentHistogram> histograms = new EnumMap<>(Operation.class);
    private final Map<Operation, LongAdder> failures = new EnumMap<>(Operation.class);

    /** Logs to {@link #DEFAULT_LOGGER}, timed by {@link System#nanoTime()}. */
    public ObservedBackend(Backend delegate) {
        this(delegate, LoggerFactory.getLogger(DEFAULT_LOGGER), System::nanoTime);
    }

    /**
     * @param log       where call lines go
     * @param nanoClock monotonic nanosecond clock (inject one in tests)
     */
    public ObservedBackend(Backend delegate, Logger log, LongSupplier nanoClock) {
        super(delegate);
        this.log = log;
        this.nanoClock = nanoClock;
        for (Operation op : Operation.values()) {
            histograms.put(op, new ConcurrentHistogram(3));
            failures.put(op, new LongAdder());
        }
    }

    @Override
    protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
        long start = nanoClock.getAsLong();
        try {
            T result = call.get();
            long elapsed = record(operation, start);
            if (log.isDebugEnabled()) {
                log.debug("op={} ns={} key={} outcome=ok micros={}", operation, namespace, key, elapsed / 1000);
            }
            return result;
        } catch (RuntimeException e) {
            long elapsed = record(operation, start);
            failures.get(operation).increment();
            Level level = levelOf(e);
            if (log.isEnabledForLevel(level)) {
                log.atLevel(level)
                    .setCause(level == Level.DEBUG ? null : e)
                    .log("op={} ns={} key={} outcome={} micros={} error={}", operation, namespace, key,
                        e.getClass().getSimpleName(), elapsed / 1000, e.getMessage());
            }
            throw e;
        }
    }

    private static Level levelOf(RuntimeException e) {
        if (e instanceof NotFoundException || e instanceof PreconditionFailedException) {
            return Level.DEBUG;
        }
        if (e instanceof TransientStorageException) {
            return Level.WARN;
        }
        if (e instanceof CorruptionException) {
            return Level.ERROR;
        }
        return Level.INFO;
    }

    private long record(Operation operation, long start) {
        long elapsed = Math.max(0, nanoClock.getAsLong() - start);
        histograms.get(operation).recordValue(elapsed);
        return elapsed;
    }

    /** Latency of one operation so far. */
    public LatencySnapshot latency(Operation operation) {
        Histogram h = histograms.get(operation).copy();
        return new LatencySnapshot(h.getTotalCount(), failures.get(operation).sum(),
            Duration.ofNanos(h.getValueAtPercentile(50)), Duration.ofNanos(h.getValueAtPercentile(99)),
            Duration.ofNanos(h.getValueAtPercentile(99.9)), Duration.ofNanos(h.getMaxValue()));
    }

    /** Latency of every operation called at least once. */
    public Map<Operation, LatencySnapshot> latencies() {
        Map<Operation, LatencySnapshot> out = new EnumMap<>(Operation.class);
        for (Operation op : Operation.values()) {
            if (histograms.get(op).getTotalCount() > 0) {
                out.put(op, latency(op));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "ObservedBackend{" + delegate + "}";
    }
}
