package dev.stowage.bench;

import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.log.Durability;
import dev.stowage.log.LogStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Measures the heap one key costs in the logstore's index: used heap after full GCs with 1 M state
 * keys ({@code key/0000000..}, 100-byte values, so no meta bytes on the heap) minus used heap of the
 * empty store, divided by the key count. Run: {@code java -cp benchmarks.jar dev.stowage.bench.HeapPerKey [keys]}.
 */
public final class HeapPerKey {
    private HeapPerKey() {
    }

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Engines.scratch("heap");
        try (LogStore store = LogStore.builder(dir).durability(Durability.none()).open()) {
            long before = usedAfterGc();
            List<CompletableFuture<String>> pending = new ArrayList<>();
            byte[] value = new byte[100];
            for (int i = 0; i < keys; i++) {
                pending.add(store.writeStateAsync(Engines.NS, String.format("key/%07d", i), ReplayableBody.ofBytes(value),
                    Precondition.any()));
                if (pending.size() == 4096) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
            pending.clear();
            long after = usedAfterGc();
            System.out.printf("keys=%d heapDelta=%d bytes perKey=%.1f bytes (key length 11 chars)%n", keys, after - before,
                (after - before) / (double) keys);
        } finally {
            Engines.delete(dir);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
