package dev.stowage.bench;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Common life cycle of the engine comparisons: each trial opens the engine in a fresh temporary
 * directory, lets the benchmark {@link #populate()} it, and deletes everything afterwards.
 */
public abstract class EngineBenchmark {
    Kv kv;
    Path dir;

    /** Opens the engine under test in {@code dir}. */
    abstract Kv open(Path dir) throws Exception;

    /** Loads data before measurement; nothing by default. */
    void populate() {
    }

    /** The benchmarks' name of key {@code i}. */
    static String key(int i) {
        return "key/" + i;
    }

    /** One of keys 0 to {@code count - 1}, at random. */
    static String randomKey(int count) {
        return key(ThreadLocalRandom.current().nextInt(count));
    }

    /** Puts {@code value} under keys 0 to {@code count - 1}, one at a time, in order. */
    void putKeys(int count, byte[] value) {
        for (int i = 0; i < count; i++) {
            kv.put(key(i), value);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Engines.scratch(getClass().getSimpleName());
        kv = open(dir);
        populate();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        kv.close();
        Engines.delete(dir);
    }
}
