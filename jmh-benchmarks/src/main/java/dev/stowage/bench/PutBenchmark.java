package dev.stowage.bench;

import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 1 KiB puts to random keys of a 1 M key space ({@code keySpace}), durable (acknowledged after
 * sync) or buffered, from 1, 4 and 64 threads. Subclasses pick the engine.
 *
 * <p>By default each trial starts from an empty store, so its 15 s are a store's warm-up: the
 * million keys are created, and on the JVM young collections copy each new key's objects until
 * they are tenured (tens of seconds; docs/benchmarks.md, run 20). With
 * {@code -p prefilled=true -p durable=false} every key is written once before measurement and the
 * heap collected, so the runs measure overwrites in the steady state a long-running store is in.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(1)
public abstract class PutBenchmark extends EngineBenchmark {
    static final int KEY_SPACE = 1_000_000;
    static final byte[] VALUE = new byte[1024];

    @Param({"true", "false"})
    public boolean durable;

    /** Whether every key of the key space is written once (and the heap collected) before measurement; buffered runs only. */
    @Param({"false"})
    public boolean prefilled;

    /**
     * Keys written, {@link #KEY_SPACE} by default; {@code -p keySpace=10000} separates an engine's
     * fixed cost per put from its index's cache misses among a million keys.
     */
    @Param({"1000000"})
    public int keySpace;

    abstract Kv open(Path dir, boolean durable) throws Exception;

    @Override
    Kv open(Path dir) throws Exception {
        return open(dir, durable);
    }

    @Override
    void populate() {
        if (!prefilled) {
            return;
        }
        if (durable) {
            // One durable put per key from one thread: a quarter of an hour for an engine that syncs each.
            throw new IllegalArgumentException("prefilled runs are buffered only: add -p durable=false");
        }
        putKeys(keySpace, VALUE);
        // Tenures the keys' objects now rather than in the young collections of the measurement.
        System.gc();
    }

    @Benchmark
    @Threads(1)
    public void put1Thread() {
        kv.put(randomKey(keySpace), VALUE);
    }

    @Benchmark
    @Threads(4)
    public void put4Threads() {
        kv.put(randomKey(keySpace), VALUE);
    }

    @Benchmark
    @Threads(64)
    public void put64Threads() {
        kv.put(randomKey(keySpace), VALUE);
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
    public static class Stowage extends PutBenchmark {
        /** {@link dev.stowage.log.LogStore.Builder#callerAppends}; {@code -p callerAppends=true,false} compares the two. */
        @Param({"true"})
        boolean callerAppends;

        @Override
        Kv open(Path dir, boolean durable) {
            return new Engines.StowageKv(Engines.logStore(dir, durable).callerAppends(callerAppends).open());
        }
    }

    /** Stowage under encrypt=: the overhead of envelope encryption on the same workload. */
    @Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
    public static class EncryptedStowage extends PutBenchmark {
        @Override
        Kv open(Path dir, boolean durable) {
            return Engines.encryptedStowage(dir, durable);
        }
    }

    public static class RocksDb extends PutBenchmark {
        @Override
        Kv open(Path dir, boolean durable) throws Exception {
            return Engines.rocksdb(dir, durable);
        }
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
    public static class Lmdb extends PutBenchmark {
        @Override
        Kv open(Path dir, boolean durable) {
            return Engines.lmdb(dir, durable);
        }
    }

    /** Buffered only: run with {@code -p durable=false}. JVM flags as {@link Engines#chronicleMap} says. */
    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
    public static class ChronicleMap extends PutBenchmark {
        @Override
        Kv open(Path dir, boolean durable) throws Exception {
            return Engines.chronicleMap(dir, durable, keySpace);
        }
    }
}
