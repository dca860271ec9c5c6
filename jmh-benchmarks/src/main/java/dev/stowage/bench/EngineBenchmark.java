package dev.stowage.bench;

import java.nio.file.Path;
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
