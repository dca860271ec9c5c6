package dev.stowage.bench;

import dev.stowage.Precondition;
import dev.stowage.log.Durability;
import dev.stowage.log.LogFollower;
import dev.stowage.log.LogStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * How far behind its writer does a follower run? One thread writes 1 KiB meta documents, one at a
 * time, at a steady rate; after each acknowledgement it waits until a follower of the same
 * directory has applied that write ({@link LogFollower#awaitApplied}) and records the time from
 * acknowledgement to visibility (HdrHistogram, microseconds). Writer and follower share one JVM
 * here; across processes the path is the same (the committed-mark page and the segments are
 * shared through the page cache).
 * Run: {@code java -cp benchmarks.jar dev.stowage.bench.FollowerLag [seconds [SYNC|NONE [pollInterval µs]]]}.
 */
public final class FollowerLag {
    private FollowerLag() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        Durability durability = args.length > 1 && args[1].equalsIgnoreCase("NONE") ? Durability.none() : Durability.sync();
        Duration poll = Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(args.length > 2 ? Long.parseLong(args[2]) : 1000));
        Path dir = Engines.scratch("follower-lag");
        Histogram lag = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        try (LogStore store = LogStore.builder(dir).durability(durability).open();
             LogFollower follower = LogFollower.builder(dir).pollInterval(poll).open()) {
            byte[] value = new byte[1024];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            for (int i = 0; System.nanoTime() < end; i++) {
                String etag = store.storeMeta(Engines.NS, "k" + (i % 1000), value, Precondition.any());
                long acknowledged = System.nanoTime();
                if (!follower.awaitApplied(etag, Duration.ofSeconds(10))) {
                    throw new IllegalStateException("follower did not apply " + etag + " within 10 s");
                }
                lag.recordValue(System.nanoTime() - acknowledged);
                // A steady 1 000 writes per second, so the follower's poll phase is random.
                long next = acknowledged + TimeUnit.MILLISECONDS.toNanos(1);
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
            }
        } finally {
            Engines.delete(dir);
        }
        System.out.printf("follower lag, %s writes, poll %d µs: n=%d  p50=%.0f µs  p90=%.0f µs  p99=%.0f µs  p99.9=%.0f µs  max=%.0f µs%n",
            durability, poll.toNanos() / 1000, lag.getTotalCount(), lag.getValueAtPercentile(50) / 1e3,
            lag.getValueAtPercentile(90) / 1e3, lag.getValueAtPercentile(99) / 1e3, lag.getValueAtPercentile(99.9) / 1e3,
            lag.getMaxValue() / 1e3);
    }
}
