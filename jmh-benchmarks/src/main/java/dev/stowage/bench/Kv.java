package dev.stowage.bench;

/**
 * The workload's view of an engine under test: durable or buffered puts and point gets of byte
 * values by string key, so Stowage and its peers run the same code paths in the same benchmarks.
 * Implementations must be thread-safe.
 */
interface Kv extends AutoCloseable {
    void put(String key, byte[] value);

    /** Returns the value's length, or -1 if absent (so the read cannot be optimised away). */
    int get(String key);

    @Override
    void close() throws Exception;
}
