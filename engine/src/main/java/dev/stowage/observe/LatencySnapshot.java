package dev.stowage.observe;

import java.time.Duration;

/**
 * Latency of one operation since the backend was opened, as recorded by {@link ObservedBackend}.
 *
 * @param count    calls recorded (successful and failed)
 * @param failures calls that ended with an exception
 * @param p50      median latency
 * @param p99      99th percentile
 * @param p999     99.9th percentile
 * @param max      largest latency recorded
 */
public record LatencySnapshot(long count, long failures, Duration p50, Duration p99, Duration p999, Duration max) {
}
