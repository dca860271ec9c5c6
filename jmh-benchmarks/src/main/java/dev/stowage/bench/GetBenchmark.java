package dev.stowage.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** Point gets of 1 KiB values from 1 M keys, on 2 threads. Subclasses pick the engine. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 4)
@Fork(1)
public abstract class GetBenchmark extends EngineBenchmark {
    static final int KEYS = 1_000_000;

    @Override
    void populate() {
        putKeys(KEYS, PutBenchmark.VALUE);
    }

    @Benchmark
    @Threads(2)
    public int get2Threads() {
        return kv.get(randomKey(KEYS));
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
    public static class Stowage extends GetBenchmark {
        @Override
        Kv open(Path dir) {
            return Engines.stowage(dir, false);
        }
    }

    /** The same gets through {@code LogStore.viewObject}: the value in place in the mapping, no stream. */
    @Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
    public static class StowageZeroCopy extends GetBenchmark {
        @Override
        Kv open(Path dir) {
            return Engines.stowageZeroCopy(dir, false);
        }
    }

    public static class RocksDb extends GetBenchmark {
        @Override
        Kv open(Path dir) throws Exception {
            return Engines.rocksdb(dir, false);
        }
    }

    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"})
    public static class Lmdb extends GetBenchmark {
        @Override
        Kv open(Path dir) {
            return Engines.lmdb(dir, false);
        }
    }

    /** JVM flags as {@link Engines#chronicleMap} says. */
    @Fork(value = 1, jvmArgsAppend = {"--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
    public static class ChronicleMap extends GetBenchmark {
        @Override
        Kv open(Path dir) throws Exception {
            return Engines.chronicleMap(dir, false, KEYS);
        }
    }
}
