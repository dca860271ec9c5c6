package dev.stowage.bench;

import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.log.LogStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Does a 1 GiB streaming write stall concurrent small writes? Measures durable 1 KiB meta writes
 * from one thread for a fixed time, first alone, then while another thread streams a 1 GiB state
 * body, and prints both latency distributions (HdrHistogram, microseconds).
 * Run: {@code java -cp benchmarks.jar dev.stowage.bench.LargeWriteInterference [seconds [blobSyncInterval]]}.
 */
public final class LargeWriteInterference {
    private LargeWriteInterference() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long blobSyncInterval = args.length > 1 ? Long.parseLong(args[1]) : LogStore.Builder.DEFAULT_BLOB_SYNC_INTERVAL;
        Path dir = Engines.scratch("interference");
        try (LogStore store = LogStore.builder(dir).blobSyncInterval(blobSyncInterval).open()) {
            report("alone", smallWrites(store, seconds, null));
            long size = 1L << 30;
            CompletableFuture<String> large = new CompletableFuture<>();
            Thread writer = new Thread(() -> {
                try {
                    large.complete(store.writeState(Engines.NS, "large", ReplayableBody.ofSupplier(size, () -> zeros(size)),
                        Precondition.any()));
                } catch (RuntimeException e) {
                    large.completeExceptionally(e);
                }
            }, "large-writer");
            writer.start();
            report("during a 1 GiB write", smallWrites(store, seconds, large));
            large.get(10, TimeUnit.MINUTES);
        } finally {
            Engines.delete(dir);
        }
    }

    /** Durable 1 KiB writes for {@code seconds}, or until {@code stopWhenDone} completes if given. */
    private static Histogram smallWrites(LogStore store, int seconds, CompletableFuture<String> stopWhenDone) {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        byte[] value = new byte[1024];
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (int i = 0; System.nanoTime() < end && (stopWhenDone == null || !stopWhenDone.isDone()); i++) {
            long t0 = System.nanoTime();
            store.storeMeta(Engines.NS, "small-" + (i % 1000), value, Precondition.any());
            h.recordValue(System.nanoTime() - t0);
        }
        return h;
    }

    private static void report(String label, Histogram h) {
        System.out.printf("%-22s n=%d  p50=%.0f µs  p99=%.0f µs  p99.9=%.0f µs  max=%.0f µs%n", label, h.getTotalCount(),
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
            h.getMaxValue() / 1e3);
    }

    private static InputStream zeros(long size) {
        return new InputStream() {
            private long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
    }
}
