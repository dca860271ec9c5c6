package dev.stowage.log;

import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.ChangeEvent;
import dev.stowage.ChangeListener;
import dev.stowage.ClosedException;
import dev.stowage.InterruptedStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;
import dev.stowage.StorageException;
import dev.stowage.Subscription;
import dev.stowage.feed.ChangeFeed;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only follower of a logstore that another process (or this one) writes: it maps the
 * segments read-only, builds its own index from the newest checkpoint and the log, then tails the
 * log up to the writer's {@link CommitWatermark committed mark}. Open with {@link #builder(Path)}
 * or {@code disk:///path?mode=follower}.
 *
 * <p><b>What a follower sees</b>: every committed write (acknowledged by the writer, synced first
 * in {@code SYNC} mode), in commit order, at most about one {@link Builder#pollInterval} after the
 * writer published it; never a write before it was committed. Records are validated exactly as
 * recovery validates them (CRC32C, consecutive LSNs, non-decreasing writer epochs), so a record a
 * superseded writer appended is refused. Segment rolls, compaction copies and a restarted writer
 * are followed. {@link #awaitApplied(String, Duration)} waits for a write the caller knows the
 * ETag of (read-your-writes across processes).
 *
 * <p><b>Writes</b> fail with {@link InvalidRequestException}: they go to the writer.
 *
 * <p><b>Change feed</b>: subscribers get an event per applied change (not for compaction copies,
 * not for staged payloads), fed by the tailing thread; a slow subscriber gets a gap, never stalls
 * the follower.
 *
 * <p><b>Falling behind</b>: compacted segments are deleted {@link LogStore.Builder#segmentDeleteGrace}
 * after they left the log. A follower that has not applied them by then stops with an error
 * ({@link #failure()}; reads then fail too): reopen it to start from the newest checkpoint.
 *
 * <p>Thread-safety: every method may be called from any thread; one daemon thread tails the log.
 */
public final class LogFollower extends IndexedBackend {
    private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);

    /** Open followers in this JVM (for leak checks). */
    private static final AtomicInteger OPEN = new AtomicInteger();

    private final Path root;
    private final Duration pollInterval;
    private final CommitWatermark watermark;
    private final long recordSeed;
    /** This follower's shared lock ({@link StoreRoot#registerFollower}): compaction then deletes segment files, never reuses them. */
    private final FileChannel registration;
    private final List<Segment> segments = new CopyOnWriteArrayList<>();
    private final LogIndex index;
    private final Recovery tail;
    private final IndexReader reader;
    private final ChangeFeed feed = new ChangeFeed("follower", ChangeFeed.DEFAULT_QUEUE_CAPACITY);
    private final Capabilities capabilities = Capabilities.of(EnumSet.of(Capability.CHANGE_FEED, Capability.NAMESPACE_LISTING),
        Capabilities.DEFAULT_MAX_META_BYTES, Capabilities.DEFAULT_MAX_BODY_BYTES);
    private final Thread thread;
    private final Object appliedMonitor = new Object();
    private Recovery.Position position;
    private CommitWatermark.Mark lastMark;
    private long nextManifestCheckNanos;
    private volatile long appliedLsn;
    private volatile StorageException failure;
    private volatile boolean closed;

    private LogFollower(Builder b) throws IOException {
        this.root = b.root;
        this.pollInterval = b.pollInterval;
        this.registration = StoreRoot.registerFollower(root);
        StoreRoot.Manifest manifest;
        try {
            manifest = StoreRoot.readManifest(root);
            this.watermark = CommitWatermark.openForFollower(root);
        } catch (IOException | RuntimeException e) {
            registration.close();
            throw e;
        }
        this.recordSeed = manifest.recordSeed();
        LogIndex opened = null;
        try {
            CommitWatermark.Mark mark = watermark.read();
            mapSegments(manifest.start().firstSegment(), mark.segmentId());
            Recovery.checkConsecutive(segments, manifest.start().firstSegment());
            List<String> rejected = new ArrayList<>();
            Checkpoints.Loaded checkpoint = LogStore.newestUsableCheckpoint(root, segments, rejected, false);
            opened = checkpoint == null ? new LogIndex() : checkpoint.index();
            this.index = opened;
            this.position = checkpoint == null ? new Recovery.Position(0, 0, manifest.start().baseLsn() + 1)
                : new Recovery.Position(segmentIndex(checkpoint.point().segmentId()), checkpoint.point().offset(),
                    checkpoint.point().lsn() + 1);
            this.tail = new Recovery(index, false, StoreRoot.ALL_SYNCED);
            this.position = tail.advance(segments, position, segmentIndex(mark.segmentId()), mark.offset());
            this.lastMark = mark;
            this.appliedLsn = tail.lastLsn();
            tail.onApplied(this::publish);
            this.reader = new IndexReader(index, new BlobStore(root, Syncer.REAL, LogStore.Builder.DEFAULT_BLOB_SYNC_INTERVAL),
                manifest.storeId() + "-", "follower of " + root, this::ensureOpen);
            LOG.info("following {} from LSN {} (checkpoint {})", root, appliedLsn,
                checkpoint == null ? "none" : checkpoint.point().lsn());
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            segments.forEach(Segment::release);
            watermark.close();
            registration.close();
            throw e;
        }
        this.thread = new Thread(this::run, "stowage-follower-" + root.getFileName());
        thread.setDaemon(true);
        thread.start();
        OPEN.incrementAndGet();
    }

    /** A builder for a follower of the store at {@code root}. */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Followers open in this JVM. */
    public static int openFollowers() {
        return OPEN.get();
    }

    /** Maps the segments from {@code fromId} up to {@code toId} that are not mapped yet. */
    private void mapSegments(long fromId, long toId) throws IOException {
        long next = segments.isEmpty() ? fromId : segments.get(segments.size() - 1).id() + 1;
        for (long id = next; id <= toId; id++) {
            Path file = root.resolve(StoreRoot.SEGMENTS_DIR).resolve(Segment.fileName(id));
            try {
                segments.add(Segment.openReadOnly(file, id, recordSeed));
            } catch (NoSuchFileException e) {
                throw new StorageException("segment " + file + " is gone: this follower fell behind compaction"
                    + " (segmentDeleteGrace); reopen it to start from the newest checkpoint", e);
            }
        }
    }

    private int segmentIndex(long id) {
        long first = segments.get(0).id();
        if (id < first || id - first >= segments.size()) {
            throw new IllegalStateException("segment " + id + " is not mapped (" + first + ".." + (first + segments.size() - 1) + ")");
        }
        return (int) (id - first);
    }

    private void run() {
        long parkNanos = pollInterval.toNanos();
        while (!closed) {
            try {
                long now = System.nanoTime();
                boolean checkManifest = now >= nextManifestCheckNanos;
                if (checkManifest) {
                    nextManifestCheckNanos = now + MANIFEST_CHECK_NANOS;
                }
                poll(checkManifest);
            } catch (RuntimeException | IOException e) {
                failure = e instanceof StorageException ? (StorageException) e
                    : new StorageException("follower of " + root + " failed: " + e, e);
                LOG.error("follower of {} stopped at LSN {}", root, appliedLsn, e);
                synchronized (appliedMonitor) {
                    appliedMonitor.notifyAll();
                }
                return;
            }
            LockSupport.parkNanos(parkNanos);
        }
    }

    /** How often the tailing thread reads the manifest to release segments compaction removed. */
    private static final long MANIFEST_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * One round of tailing: applies what was committed since the last round and, when
     * {@code checkManifest}, unmaps segments that compaction removed from the log. Runs on the
     * tailing thread (tests call it directly with a long poll interval).
     */
    synchronized void poll(boolean checkManifest) throws IOException {
        CommitWatermark.Mark mark = watermark.read();
        if (!mark.equals(lastMark)) {
            mapSegments(segments.get(0).id(), mark.segmentId());
            position = tail.advance(segments, position, segmentIndex(mark.segmentId()), mark.offset());
            lastMark = mark;
            appliedLsn = tail.lastLsn();
            synchronized (appliedMonitor) {
                appliedMonitor.notifyAll();
            }
        }
        if (checkManifest) {
            releaseCompactedSegments();
        }
    }

    /** Unmaps segments that compaction removed from the log and that hold nothing this follower still uses. */
    private void releaseCompactedSegments() throws IOException {
        long firstSegment = StoreRoot.readManifest(root).start().firstSegment();
        int released = 0;
        while (segments.size() > 1 && segments.get(0).id() < firstSegment && segments.get(0).liveBytes() == 0
            && released < position.segmentIndex()) {
            segments.remove(0).release();
            released++;
        }
        if (released > 0) {
            position = new Recovery.Position(position.segmentIndex() - released, position.offset(), position.nextLsn());
        }
    }

    private void publish(String namespace, byte space, String key, boolean deleted, long lsn) {
        if (space != RecordDescriptor.SPACE_STAGED && feed.hasSubscribers()) {
            feed.publish(new ChangeEvent(namespace, Space.values()[space], key,
                deleted ? ChangeEvent.ChangeType.DELETE : ChangeEvent.ChangeType.PUT, deleted ? null : reader.etag(lsn), lsn));
        }
    }

    /** LSN of the last ordinary record this follower applied. */
    public long appliedLsn() {
        return appliedLsn;
    }

    /** Why the follower stopped tailing, or {@code null} while it runs. */
    public StorageException failure() {
        return failure;
    }

    /**
     * Waits until the write that returned {@code etag} (an ETag of this store) is applied here.
     *
     * @return false if {@code timeout} passed first
     * @throws InvalidRequestException       if {@code etag} is not one of this store's
     * @throws InterruptedStorageException   if interrupted
     * @throws StorageException              if the follower stopped
     */
    public boolean awaitApplied(String etag, Duration timeout) {
        long lsn = lsnOf(etag);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (appliedMonitor) {
            while (appliedLsn < lsn) {
                ensureOpen();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(appliedMonitor, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedStorageException("waiting for " + etag + " to be applied", e);
                }
            }
        }
        return true;
    }

    private long lsnOf(String etag) {
        long lsn = reader.lsnOf(etag);
        if (lsn < 0) {
            throw new InvalidRequestException("'" + etag + "' is not an ETag of the store at " + root);
        }
        return lsn;
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("follower of " + root);
        }
        StorageException f = failure;
        if (f != null) {
            throw new StorageException("follower of " + root + " stopped: " + f.getMessage(), f);
        }
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    IndexReader reader() {
        return reader;
    }

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        ensureOpen();
        return feed.subscribe(namespace, prefix, listener);
    }

    // ---- writes: refused ----

    private InvalidRequestException readOnly() {
        return new InvalidRequestException("the follower of " + root + " is read-only; writes go to the store's writer");
    }

    @Override
    public String storeMeta(String namespace, String key, byte[] document, Precondition precondition) {
        throw readOnly();
    }

    @Override
    public void deleteMeta(String namespace, String key, Precondition precondition) {
        throw readOnly();
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        throw readOnly();
    }

    @Override
    public void removeState(String namespace, String key, Precondition precondition) {
        throw readOnly();
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes, Precondition precondition) {
        throw readOnly();
    }

    @Override
    public void deleteObject(String namespace, String key, Precondition precondition) {
        throw readOnly();
    }

    @Override
    public String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition) {
        throw readOnly();
    }

    // ---- lifecycle ----

    /** Stops tailing and releases the mappings not held by open readers. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        feed.close();
        index.close();
        segments.forEach(Segment::release);
        segments.clear();
        watermark.close();
        try {
            registration.close();
        } catch (IOException e) {
            LOG.warn("releasing the follower lock of {}: {}", root, e.toString());
        }
        OPEN.decrementAndGet();
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
    }

    @Override
    public void abort() {
        close();
    }

    @Override
    public String toString() {
        return "LogFollower{" + root + ", applied LSN " + appliedLsn + "}";
    }

    /** Options of a {@link LogFollower}, each with a named default; validated once by {@link #open()}. Not thread-safe. */
    public static final class Builder {
        /** Default period between looks at the writer's committed mark: 1 ms. */
        public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(1);

        private final Path root;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root").toAbsolutePath();
        }

        /**
         * How often the tailing thread looks for newly committed records (a parked thread, so an
         * idle follower costs little); bounds the lag behind the writer. Default
         * {@link #DEFAULT_POLL_INTERVAL}; at least 1 µs.
         */
        public Builder pollInterval(Duration interval) {
            this.pollInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Opens the follower: reads the manifest and the committed mark, loads the newest usable
         * checkpoint, applies the log up to the mark, then starts tailing.
         *
         * @throws IllegalArgumentException naming an invalid option
         * @throws StorageException         if the directory is not a store a writer has opened, a JVM
         *                                  flag is missing, or the log is corrupt before the mark
         */
        public LogFollower open() {
            if (pollInterval.toNanos() < 1_000) {
                throw new IllegalArgumentException("pollInterval must be at least 1 µs: " + pollInterval);
            }
            if (!Files.isDirectory(root.resolve(StoreRoot.SEGMENTS_DIR))) {
                throw new StorageException(root + " is not a logstore (no " + StoreRoot.SEGMENTS_DIR + "/)");
            }
            JvmFlags.require();
            try {
                return new LogFollower(this);
            } catch (IOException e) {
                throw new StorageException("cannot follow the logstore at " + root + ": " + e, e);
            }
        }
    }
}
