package dev.stowage.bench;

import dev.stowage.Precondition;
import dev.stowage.log.Durability;
import dev.stowage.log.LogStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Time to open (recover) a logstore holding 1 M keys of 100-byte state, and close it again. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class ReopenBenchmark {
    static final int KEYS = 1_000_000;

    Path dir;

    @Setup(Level.Trial)
    public void populate() throws Exception {
        dir = Engines.scratch("reopen");
        try (LogStore store = LogStore.builder(dir).durability(Durability.none()).open()) {
            List<CompletableFuture<String>> pending = new ArrayList<>();
            byte[] value = new byte[100];
            for (int i = 0; i < KEYS; i++) {
                pending.add(store.storeMetaAsync(Engines.NS, "key/" + i, value, Precondition.any()));
                if (pending.size() == 4096) {
                    pending.forEach(CompletableFuture::join);
                    pending.clear();
                }
            }
            pending.forEach(CompletableFuture::join);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Engines.delete(dir);
    }

    @Benchmark
    public long reopen1MKeys() {
        try (LogStore store = LogStore.builder(dir).open()) {
            return store.recoveryReport().records();
        }
    }
}
