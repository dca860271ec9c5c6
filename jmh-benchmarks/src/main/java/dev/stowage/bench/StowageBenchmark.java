package dev.stowage.bench;

import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.log.LogStore;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Stowage-only workloads: one thread keeping 64 durable writes in flight (acknowledged/s), CAS
 * update of a hot key (durable), buffered single-thread put latency. No peer offers the first two
 * directly (RocksDB and LMDB have no asynchronous durable put or compare-and-swap).
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class StowageBenchmark {
    static final int IN_FLIGHT = 64;

    /** The durable store's {@link LogStore.WriteMode}; {@code -p writeMode=MAPPED,POSITIONAL} compares the two. */
    @Param({"AUTO"})
    String writeMode;

    /** Both stores' {@link LogStore.Builder#callerAppends}; {@code -p callerAppends=true,false} compares the two. */
    @Param({"true"})
    boolean callerAppends;

    /** The buffered store's {@link LogStore.Builder#backgroundSync}; {@code -p backgroundSync=false,true} compares the two. */
    @Param({"true"})
    boolean backgroundSync;

    LogStore durableStore;
    LogStore bufferedStore;
    Path durableDir;
    Path bufferedDir;
    final ArrayDeque<CompletableFuture<String>> inFlight = new ArrayDeque<>();
    String hotEtag;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        durableDir = Engines.scratch("durable");
        bufferedDir = Engines.scratch("buffered");
        durableStore = Engines.logStore(durableDir, true).writeMode(LogStore.WriteMode.valueOf(writeMode)).callerAppends(callerAppends)
            .open();
        bufferedStore = Engines.logStore(bufferedDir, false).callerAppends(callerAppends).backgroundSync(backgroundSync).open();
        hotEtag = durableStore.storeMeta(Engines.NS, "hot", new byte[64], Precondition.any());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (CompletableFuture<String> f : inFlight) {
            f.join();
        }
        durableStore.close();
        bufferedStore.close();
        Engines.delete(durableDir);
        Engines.delete(bufferedDir);
    }

    /**
     * Each invocation submits one durable 1 KiB object put (the write of {@link PutBenchmark}) and,
     * with 64 outstanding, waits for the oldest.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    public String durablePut64InFlightOneThread() {
        inFlight.add(durableStore.putObjectAsync(Engines.NS, EngineBenchmark.randomKey(PutBenchmark.KEY_SPACE),
            ReplayableBody.ofBytes(PutBenchmark.VALUE), ObjectAttributes.DEFAULT, Precondition.any()));
        return inFlight.size() >= IN_FLIGHT ? inFlight.poll().join() : null;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    public String casHotKeyDurable() {
        hotEtag = durableStore.storeMeta(Engines.NS, "hot", PutBenchmark.VALUE, Precondition.ifMatch(hotEtag));
        return hotEtag;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String bufferedPutLatency() {
        return bufferedStore.storeMeta(Engines.NS, EngineBenchmark.randomKey(PutBenchmark.KEY_SPACE),
            PutBenchmark.VALUE, Precondition.any());
    }

    /**
     * The latency of {@link PutBenchmark}'s write (a 1 KiB object, buffered): unlike a meta
     * document, its value lives in the log only, not on the heap. Compaction starts about 10 s
     * into a run: measure past it ({@code -w 15s}) to see its effect.
     */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String bufferedObjectPutLatency() {
        return bufferedStore.putObject(Engines.NS, EngineBenchmark.randomKey(PutBenchmark.KEY_SPACE),
            ReplayableBody.ofBytes(PutBenchmark.VALUE), ObjectAttributes.DEFAULT, Precondition.any());
    }
}
