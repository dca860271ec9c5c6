package dev.stowage.bench;

import dev.stowage.log.LogStore;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Durable 1 MiB puts from one thread (ops/s; MB/s = ops/s x 1.048576). Subclasses pick the engine. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(1)
public abstract class LargePutBenchmark extends EngineBenchmark {
    static final byte[] VALUE = new byte[1 << 20];

    @Override
    void populate() {
        ThreadLocalRandom.current().nextBytes(VALUE);
    }

    @Benchmark
    public void put1MiBDurable() {
        kv.put("big/" + ThreadLocalRandom.current().nextInt(256), VALUE);
    }

    /**
     * Stowage with its defaults but {@code spareSegments}: compacted segment files reused for new
     * segments ({@code 8}, the default) or deleted ({@code 0}, every segment zero-filled anew).
     * Reuse starts once compaction retired the first segments, so its steady state shows in runs
     * of a minute or more (docs/benchmarks.md, run 13).
     */
    @Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
    public static class Stowage extends LargePutBenchmark {
        @Param({"8"})
        int spareSegments;

        /** {@link LogStore.Builder#callerAppends}; {@code -p callerAppends=true,false} compares the two. */
        @Param({"true"})
        boolean callerAppends;

        @Override
        Kv open(Path dir) {
            return new Engines.StowageKv(Engines.logStore(dir, true).spareSegments(spareSegments).callerAppends(callerAppends).open());
        }
    }

    /** Stowage under encrypt=: the overhead of envelope encryption on the same workload. */
    @Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
    public static class EncryptedStowage extends LargePutBenchmark {
        @Override
        Kv open(Path dir) {
            return Engines.encryptedStowage(dir, true);
        }
    }

    /**
     * The disk's own rate for the same puts, no engine ({@link Engines#diskFloor}): what "80 % of
     * the disk" in the target is measured against, in the same run.
     */
    public static class DiskFloor extends LargePutBenchmark {
        @Param({"false", "true"})
        boolean direct;

        @Override
        Kv open(Path dir) throws Exception {
            return Engines.diskFloor(dir, direct);
        }
    }

    public static class RocksDb extends LargePutBenchmark {
        @Override
        Kv open(Path dir) throws Exception {
            return Engines.rocksdb(dir, true);
        }
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
    public static class Lmdb extends LargePutBenchmark {
        @Override
        Kv open(Path dir) {
            return Engines.lmdb(dir, true);
        }
    }
}
