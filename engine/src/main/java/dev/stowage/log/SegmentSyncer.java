package dev.stowage.log;

/**
 * How the writer makes a written range of a segment durable: a strategy so that fault-injection
 * tests can make syncs fail. Implementations are called on the writer thread only.
 */
@FunctionalInterface
interface SegmentSyncer {
    /** The real thing: {@code msync} of the range. */
    SegmentSyncer MSYNC = Segment::force;

    /**
     * @throws RuntimeException (typically {@link java.io.UncheckedIOException}) if the range may not be durable
     */
    void sync(Segment segment, int from, int to);
}
