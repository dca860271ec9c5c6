package dev.stowage.log;

import dev.stowage.Backend;
import dev.stowage.BackendProvider;
import dev.stowage.InvalidRequestException;
import dev.stowage.StoreLocation;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens {@code disk:///absolute/path} stores. Options:
 * {@code durability} ({@code SYNC}, {@code NONE}, {@code GROUP:5ms}), {@code segmentSize} (bytes),
 * {@code ringSize}, {@code maxBatchOps}, {@code maxBatchBytes}, {@code checkpointInterval} (a duration,
 * {@code 0s} for close and on-demand only), {@code checkpointLogBytes} (0 = off), {@code blobThreshold} and {@code blobSyncInterval} (bytes),
 * {@code compactionInterval} ({@code 0s}: on demand only), {@code compactionDeadRatio} (0..1),
 * {@code compactionMaxSegments}, {@code compactionBytesPerSecond} (0 = unlimited),
 * {@code segmentDeleteGrace} and {@code retention} (durations, {@code 0s} = off), {@code spareSegments}; defaults as in
 * {@link LogStore.Builder}; {@code nfs} ({@code auto}, {@code on}, {@code off}); {@code writeMode}
 * ({@code auto}, {@code mapped}, {@code positional}); {@code callerAppends} and
 * {@code backgroundSync} ({@code true}, {@code false}). {@code mode=follower} opens a read-only {@link LogFollower} instead (option
 * {@code pollInterval} only).
 */
public final class LogStoreProvider implements BackendProvider {
    public static final String DURABILITY = "durability";
    public static final String SEGMENT_SIZE = "segmentSize";
    public static final String RING_SIZE = "ringSize";
    public static final String MAX_BATCH_OPS = "maxBatchOps";
    public static final String MAX_BATCH_BYTES = "maxBatchBytes";
    public static final String CHECKPOINT_INTERVAL = "checkpointInterval";
    public static final String CHECKPOINT_LOG_BYTES = "checkpointLogBytes";
    public static final String BLOB_THRESHOLD = "blobThreshold";
    public static final String BLOB_SYNC_INTERVAL = "blobSyncInterval";
    public static final String COMPACTION_INTERVAL = "compactionInterval";
    public static final String COMPACTION_DEAD_RATIO = "compactionDeadRatio";
    public static final String COMPACTION_MAX_SEGMENTS = "compactionMaxSegments";
    public static final String COMPACTION_BYTES_PER_SECOND = "compactionBytesPerSecond";
    public static final String SEGMENT_DELETE_GRACE = "segmentDeleteGrace";
    public static final String RETENTION = "retention";
    public static final String SPARE_SEGMENTS = "spareSegments";
    /** {@code writer} (the default) or {@code follower} (read-only, {@link LogFollower}). */
    public static final String MODE = "mode";
    /** {@code auto} (the default), {@code on} or {@code off}: {@link LogStore.Builder#nfs}. */
    public static final String NFS = "nfs";
    /** {@code auto} (the default), {@code mapped} or {@code positional}: {@link LogStore.Builder#writeMode}. */
    public static final String WRITE_MODE = "writeMode";
    /** {@code true} (the default) or {@code false}: {@link LogStore.Builder#callerAppends}. */
    public static final String CALLER_APPENDS = "callerAppends";
    /** {@code true} (the default) or {@code false}: {@link LogStore.Builder#backgroundSync}. */
    public static final String BACKGROUND_SYNC = "backgroundSync";
    /** A follower's {@link LogFollower.Builder#pollInterval}. */
    public static final String POLL_INTERVAL = "pollInterval";

    @Override
    public String scheme() {
        return "disk";
    }

    @Override
    public Set<String> options() {
        return Set.of(DURABILITY, SEGMENT_SIZE, RING_SIZE, MAX_BATCH_OPS, MAX_BATCH_BYTES, CHECKPOINT_INTERVAL, CHECKPOINT_LOG_BYTES,
            BLOB_THRESHOLD, BLOB_SYNC_INTERVAL, COMPACTION_INTERVAL, COMPACTION_DEAD_RATIO, COMPACTION_MAX_SEGMENTS, COMPACTION_BYTES_PER_SECOND,
            SEGMENT_DELETE_GRACE, RETENTION, SPARE_SEGMENTS, MODE, POLL_INTERVAL, NFS, WRITE_MODE, CALLER_APPENDS, BACKGROUND_SYNC);
    }

    @Override
    public Backend open(StoreLocation location) {
        String path = location.uri().getPath();
        if (location.uri().getHost() != null || path == null || path.isEmpty() || path.equals("/")) {
            throw new InvalidRequestException("disk:// needs an absolute directory, e.g. disk:///var/lib/app/store, not " + location);
        }
        String mode = location.string(MODE, "writer");
        if (mode.equals("follower")) {
            return openFollower(location, Path.of(path));
        }
        if (!mode.equals("writer")) {
            throw new InvalidRequestException("option '" + MODE + "' must be writer or follower, not '" + mode + "'");
        }
        if (location.has(POLL_INTERVAL)) {
            throw new InvalidRequestException("option '" + POLL_INTERVAL + "' applies to mode=follower only");
        }
        Durability durability;
        try {
            durability = Durability.parse(location.string(DURABILITY, "SYNC"), text -> StoreLocation.parseDuration(DURABILITY, text));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("option '" + DURABILITY + "': " + e.getMessage(), e);
        }
        LogStore.NfsMode nfs = location.choice(NFS, LogStore.NfsMode.AUTO);
        LogStore.WriteMode writeMode = location.choice(WRITE_MODE, LogStore.WriteMode.AUTO);
        double deadRatio;
        try {
            deadRatio = Double.parseDouble(location.string(COMPACTION_DEAD_RATIO, String.valueOf(LogStore.Builder.DEFAULT_COMPACTION_DEAD_RATIO)));
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("option '" + COMPACTION_DEAD_RATIO + "' must be a number within 0..1: " + e.getMessage(), e);
        }
        try {
            return LogStore.builder(Path.of(path))
                .durability(durability)
                .segmentSize((int) location.number(SEGMENT_SIZE, LogStore.Builder.DEFAULT_SEGMENT_SIZE,
                    LogStore.Builder.MIN_SEGMENT_SIZE, 1 << 30))
                .ringSize((int) location.number(RING_SIZE, LogStore.Builder.DEFAULT_RING_SIZE, 2, 1 << 24))
                .maxBatchOps((int) location.number(MAX_BATCH_OPS, LogStore.Builder.DEFAULT_MAX_BATCH_OPS, 1, 1 << 20))
                .maxBatchBytes(location.number(MAX_BATCH_BYTES, LogStore.Builder.DEFAULT_MAX_BATCH_BYTES, 1, 1L << 32))
                .checkpointInterval(location.duration(CHECKPOINT_INTERVAL, LogStore.Builder.DEFAULT_CHECKPOINT_INTERVAL))
                .checkpointLogBytes(location.number(CHECKPOINT_LOG_BYTES, LogStore.Builder.DEFAULT_CHECKPOINT_LOG_BYTES, 0, Long.MAX_VALUE))
                .blobThreshold(location.number(BLOB_THRESHOLD, LogStore.Builder.DEFAULT_BLOB_THRESHOLD, 0, 1 << 30))
                .blobSyncInterval(location.number(BLOB_SYNC_INTERVAL, LogStore.Builder.DEFAULT_BLOB_SYNC_INTERVAL, 1 << 20, 1L << 40))
                .compactionInterval(location.duration(COMPACTION_INTERVAL, LogStore.Builder.DEFAULT_COMPACTION_INTERVAL))
                .compactionDeadRatio(deadRatio)
                .compactionMaxSegments((int) location.number(COMPACTION_MAX_SEGMENTS, LogStore.Builder.DEFAULT_COMPACTION_MAX_SEGMENTS, 0,
                    1 << 20))
                .compactionBytesPerSecond(location.number(COMPACTION_BYTES_PER_SECOND,
                    LogStore.Builder.DEFAULT_COMPACTION_BYTES_PER_SECOND, 0, Long.MAX_VALUE))
                .segmentDeleteGrace(location.duration(SEGMENT_DELETE_GRACE, LogStore.Builder.DEFAULT_SEGMENT_DELETE_GRACE))
                .retention(location.duration(RETENTION, LogStore.Builder.DEFAULT_RETENTION))
                .spareSegments((int) location.number(SPARE_SEGMENTS, LogStore.Builder.DEFAULT_SPARE_SEGMENTS, 0, 1 << 20))
                .nfs(nfs)
                .writeMode(writeMode)
                .callerAppends(location.flag(CALLER_APPENDS, LogStore.Builder.DEFAULT_CALLER_APPENDS))
                .backgroundSync(location.flag(BACKGROUND_SYNC, LogStore.Builder.DEFAULT_BACKGROUND_SYNC))
                .open();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("options of " + location + ": " + e.getMessage(), e);
        }
    }

    /** A follower takes only {@link #MODE} and {@link #POLL_INTERVAL}: the rest configure the writer. */
    private static Backend openFollower(StoreLocation location, Path root) {
        for (String option : location.options().keySet()) {
            if (!option.equals(MODE) && !option.equals(POLL_INTERVAL)) {
                throw new InvalidRequestException("option '" + option + "' configures the writer; a follower (mode=follower) takes only "
                    + POLL_INTERVAL);
            }
        }
        try {
            return LogFollower.builder(root)
                .pollInterval(location.duration(POLL_INTERVAL, LogFollower.Builder.DEFAULT_POLL_INTERVAL))
                .open();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("options of " + location + ": " + e.getMessage(), e);
        }
    }
}
