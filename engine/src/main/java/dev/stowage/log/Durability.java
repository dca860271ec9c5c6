package dev.stowage.log;

import java.time.Duration;
import java.util.Objects;

/**
 * What an acknowledged write of a {@link LogStore} survives.
 *
 * <ul>
 *   <li>{@link #sync()} (the default): a write is acknowledged only after the batch that holds it
 *       has been synced to the device ({@code fdatasync}, or {@code msync} in
 *       {@link LogStore.WriteMode#MAPPED}); it survives a process crash, a kernel crash
 *       and power loss (on a device that honours flushes).</li>
 *   <li>{@link #group(Duration)}: a write is acknowledged once it is in the page cache; a sync of
 *       everything written so far starts every {@code interval}, unless the previous one is still
 *       running (the next then takes both intervals' writes), and sealing a segment syncs it. It
 *       survives a process crash (kill -9); a kernel crash or power loss can lose the writes
 *       acknowledged since the start of the last sync that completed: about an interval plus a
 *       sync's time, more while the disk is slower than the writes. With background syncs (the
 *       default, {@link LogStore.Builder#backgroundSync}) those syncs run beside the appends, and
 *       recovery treats damage in a sealed segment not yet synced as under {@link #none()}.</li>
 *   <li>{@link #none()}: acknowledged in the page cache, synced only when a segment is sealed
 *       (in the background by default: {@link LogStore.Builder#backgroundSync}), on
 *       {@link LogStore#sync()} or when the store is closed. Survives a process crash; a kernel
 *       crash or power loss can lose everything since the last of those that completed (with
 *       background syncs, recovery ends the log at the first damage in a sealed segment not yet
 *       synced, drops what follows, and reports it).</li>
 * </ul>
 *
 * <p>In every mode a reader never sees a write before it is acknowledged, and recovery never
 * applies a record that is not whole: what a crash or power loss leaves is a prefix of the writes
 * (an index checkpoint is published only once every record it names is synced). Immutable;
 * thread-safe.
 */
public final class Durability {
    /** The kind of durability. */
    public enum Mode { SYNC, GROUP, NONE }

    private static final Durability SYNC = new Durability(Mode.SYNC, Duration.ZERO);
    private static final Durability NONE = new Durability(Mode.NONE, Duration.ZERO);

    private final Mode mode;
    private final Duration interval;

    private Durability(Mode mode, Duration interval) {
        this.mode = mode;
        this.interval = interval;
    }

    /** Acknowledge after sync. */
    public static Durability sync() {
        return SYNC;
    }

    /**
     * Acknowledge from the page cache, start a sync every {@code interval}.
     *
     * @throws IllegalArgumentException unless {@code interval} is positive
     */
    public static Durability group(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("group sync interval must be positive: " + interval);
        }
        return new Durability(Mode.GROUP, interval);
    }

    /** Acknowledge from the page cache, sync only on seal and close. */
    public static Durability none() {
        return NONE;
    }

    /**
     * Parses {@code SYNC}, {@code NONE} or {@code GROUP:<duration>} (e.g. {@code GROUP:5ms}) as used in store URLs.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static Durability parse(String text, java.util.function.Function<String, Duration> durationParser) {
        String upper = text.trim().toUpperCase(java.util.Locale.ROOT);
        if (upper.equals("SYNC")) {
            return SYNC;
        }
        if (upper.equals("NONE")) {
            return NONE;
        }
        if (upper.startsWith("GROUP:")) {
            return group(durationParser.apply(text.trim().substring("GROUP:".length())));
        }
        throw new IllegalArgumentException("durability must be SYNC, NONE or GROUP:<interval> (e.g. GROUP:5ms), not '" + text + "'");
    }

    public Mode mode() {
        return mode;
    }

    /** How often a sync starts in {@link Mode#GROUP}; zero otherwise. */
    public Duration interval() {
        return interval;
    }

    /** Whether acknowledgements wait for a sync. */
    public boolean acknowledgesAfterSync() {
        return mode == Mode.SYNC;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Durability && ((Durability) o).mode == mode && ((Durability) o).interval.equals(interval);
    }

    @Override
    public int hashCode() {
        return mode.hashCode() * 31 + interval.hashCode();
    }

    @Override
    public String toString() {
        return mode == Mode.GROUP ? "GROUP(" + interval + ")" : mode.name();
    }
}
