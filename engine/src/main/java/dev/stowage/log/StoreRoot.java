package dev.stowage.log;

import dev.stowage.CorruptionException;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writer's hold on a store root: the OS file lock on {@code LOCK} (naming its holder) and the
 * store manifest {@code store.meta} (format, store id, writer epoch). Every open as writer raises
 * the epoch durably before anything is appended, so records of an older writer can be told apart.
 *
 * <pre>
 *   root/LOCK          lock file: "pid N on HOST"
 *   root/FOLLOWERS     lock file: each open follower holds a shared lock in it
 *   root/store.meta    format=2, storeId=hex, recordSeed=hex, epoch=N, firstSegment=N, baseLsn=N, [unsyncedFrom=N]
 *                      (rewritten atomically: temp, sync, rename, sync dir)
 *   root/segments/     segment files, see {@link Segment}
 * </pre>
 *
 * <p>Owned by one {@link LogStore}. Thread-safe for what its threads share: the manifest is
 * rewritten by compaction ({@link #recordLogStart}) and by the writer's {@link Sealer}
 * ({@link #recordUnsyncedFrom}), one rewrite at a time, and read as one version.
 */
final class StoreRoot implements AutoCloseable {
    static final String LOCK_FILE = "LOCK";
    /** Lock file each open follower holds a shared lock in, so the writer knows whether any is open. */
    static final String FOLLOWERS_FILE = "FOLLOWERS";
    /** Distinct one-byte regions of {@link #FOLLOWERS_FILE} for the followers of this JVM (a JVM refuses overlapping locks). */
    private static final AtomicLong FOLLOWER_REGIONS = new AtomicLong();
    static final String MANIFEST_FILE = "store.meta";
    static final String SEGMENTS_DIR = "segments";
    /** Format 2: record CRCs are seeded ({@link #RECORD_SEED}). */
    static final int FORMAT = 2;
    /**
     * Manifest key of the store's random record seed: every record's CRC32C covers it with the
     * segment's id ({@link RecordCodec#seed}), so a record is valid only in the segment it was
     * written to, of this store. A recycled segment file's old records are then never mistaken for
     * new ones, nor a record image inside a value; the seed never leaves the manifest (unlike the
     * store id, which every ETag shows).
     */
    static final String RECORD_SEED = "recordSeed";
    /** {@link #unsyncedFrom()} when every sealed segment was synced before the next one got records. */
    static final long ALL_SYNCED = Long.MAX_VALUE;
    /** Manifest key of {@link #unsyncedFrom()}. */
    static final String UNSYNCED_FROM = "unsyncedFrom";

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final String storeId;
    private final int epoch;
    private final long recordSeed;
    /** Replaced whole, never changed once published, so readers on other threads see one version. */
    private volatile Properties manifest;
    private final Syncer syncer;

    private StoreRoot(Path root, FileChannel lockChannel, FileLock lock, Properties manifest, int epoch, long recordSeed, Syncer syncer) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.manifest = manifest;
        this.storeId = manifest.getProperty("storeId");
        this.epoch = epoch;
        this.recordSeed = recordSeed;
        this.syncer = syncer;
    }

    /** Where the log starts: a manifest read without taking the lock (offline tools). */
    record LogStart(long firstSegment, long baseLsn) {
        static final LogStart ORIGIN = new LogStart(1, 0);
    }

    /** What a reader without the lock needs of the manifest; {@code unsyncedFrom} as {@link #unsyncedFrom()}. */
    record Manifest(String storeId, long recordSeed, LogStart start, long unsyncedFrom) {
    }

    /**
     * Reads the manifest without taking the lock (followers, offline tools).
     *
     * @throws IOException if it is missing or unreadable
     */
    static Manifest readManifest(Path root) throws IOException {
        Path file = root.resolve(MANIFEST_FILE);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        if (!String.valueOf(FORMAT).equals(p.getProperty("format")) || p.getProperty("storeId") == null) {
            throw new CorruptionException(file.toString(), CorruptionException.UNKNOWN_OFFSET,
                "unsupported store format " + p.getProperty("format") + " (this build reads " + FORMAT + ")");
        }
        return new Manifest(p.getProperty("storeId"), recordSeed(p, file), logStart(p, file), unsyncedFrom(p, file));
    }

    /** Reads the log start from a manifest; {@link LogStart#ORIGIN} when none is recorded. */
    static LogStart logStart(Path root) throws IOException {
        return readManifest(root).start();
    }

    private static LogStart logStart(Properties p, Path manifest) {
        try {
            return new LogStart(Long.parseLong(p.getProperty("firstSegment", "1")), Long.parseLong(p.getProperty("baseLsn", "0")));
        } catch (NumberFormatException e) {
            throw new CorruptionException(manifest.toString(), CorruptionException.UNKNOWN_OFFSET, "bad log start: " + e.getMessage());
        }
    }

    private static long recordSeed(Properties p, Path manifest) {
        try {
            return Long.parseUnsignedLong(p.getProperty(RECORD_SEED), 16);
        } catch (NumberFormatException | NullPointerException e) {
            throw new CorruptionException(manifest.toString(), CorruptionException.UNKNOWN_OFFSET, "bad " + RECORD_SEED + ": "
                + p.getProperty(RECORD_SEED));
        }
    }

    private static long unsyncedFrom(Properties p, Path manifest) {
        try {
            String value = p.getProperty(UNSYNCED_FROM);
            return value == null ? ALL_SYNCED : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new CorruptionException(manifest.toString(), CorruptionException.UNKNOWN_OFFSET, "bad " + UNSYNCED_FROM + ": " + e.getMessage());
        }
    }

    /**
     * Id of the first segment that may not have been synced whole, {@link #ALL_SYNCED} if none: a
     * {@code NONE} or {@code GROUP} writer syncs a sealed segment in the background while it appends to the next
     * one, so after a power loss recovery must take damage in such a segment for the end of the log.
     */
    long unsyncedFrom() {
        return unsyncedFrom(manifest, root.resolve(MANIFEST_FILE));
    }

    /**
     * Durably records {@link #unsyncedFrom()}: lowered before records may reach a segment after
     * one not yet synced, raised once the segments below the new value are synced.
     *
     * @param segmentId {@link #ALL_SYNCED} to record that every sealed segment is synced
     * @throws IOException if the manifest could not be replaced
     */
    void recordUnsyncedFrom(long segmentId) throws IOException {
        rewrite(next -> {
            if (segmentId == ALL_SYNCED) {
                next.remove(UNSYNCED_FROM);
            } else {
                next.setProperty(UNSYNCED_FROM, String.valueOf(segmentId));
            }
        });
    }

    /** The log start this writer's manifest records. */
    LogStart logStart() {
        return logStart(manifest, root.resolve(MANIFEST_FILE));
    }

    /**
     * Durably records a new log start, before the segments below it are deleted.
     *
     * @throws IOException if the manifest could not be replaced
     */
    void recordLogStart(LogStart start) throws IOException {
        rewrite(next -> {
            next.setProperty("firstSegment", String.valueOf(start.firstSegment()));
            next.setProperty("baseLsn", String.valueOf(start.baseLsn()));
        });
    }

    /** Replaces the manifest by a copy with {@code change} applied (compaction and the writer's sealer both record). */
    private synchronized void rewrite(java.util.function.Consumer<Properties> change) throws IOException {
        Properties next = (Properties) manifest.clone();
        change.accept(next);
        writeAtomically(root, root.resolve(MANIFEST_FILE), next, syncer);
        manifest = next;
    }

    /**
     * Locks {@code root} for writing (creating it if needed) and raises the writer epoch.
     *
     * @throws StoreLockedException if another writer, in this or another process, holds it
     */
    static StoreRoot acquire(Path root, Syncer syncer) throws IOException {
        Files.createDirectories(root.resolve(SEGMENTS_DIR));
        if (!Files.exists(root.resolve(FOLLOWERS_FILE))) {
            Files.createFile(root.resolve(FOLLOWERS_FILE)); // before the manifest: a follower opens it read-only
        }
        FileChannel channel = FileChannel.open(root.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = readHolder(channel);
            channel.close();
            throw new StoreLockedException(root.toString(), holder);
        }
        try {
            byte[] me = holderDescription().getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me), 0);
            channel.force(true);

            Path manifest = root.resolve(MANIFEST_FILE);
            Properties p = new Properties();
            if (Files.exists(manifest)) {
                try (Reader r = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
                if (!String.valueOf(FORMAT).equals(p.getProperty("format"))) {
                    throw new CorruptionException(manifest.toString(), CorruptionException.UNKNOWN_OFFSET,
                        "unsupported store format " + p.getProperty("format") + " (this build reads " + FORMAT + ")");
                }
            } else {
                p.setProperty("format", String.valueOf(FORMAT));
                p.setProperty("storeId", String.format("%08x", ThreadLocalRandom.current().nextInt()));
                p.setProperty(RECORD_SEED, String.format("%016x", new SecureRandom().nextLong()));
                p.setProperty("epoch", "0");
            }
            int epoch;
            try {
                epoch = Integer.parseInt(p.getProperty("epoch")) + 1;
            } catch (NumberFormatException e) {
                throw new CorruptionException(manifest.toString(), CorruptionException.UNKNOWN_OFFSET, "bad epoch " + p.getProperty("epoch"));
            }
            p.setProperty("epoch", String.valueOf(epoch));
            logStart(p, manifest);
            unsyncedFrom(p, manifest);
            long recordSeed = recordSeed(p, manifest);
            writeAtomically(root, manifest, p, syncer);
            return new StoreRoot(root, channel, lock, p, epoch, recordSeed, syncer);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    private static void writeAtomically(Path dir, Path target, Properties p, Syncer syncer) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            p.store(w, "Stowage logstore manifest; do not edit");
        }
        try (FileChannel c = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncer.syncDirectory(dir);
    }

    private static String readHolder(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            int n = channel.read(b, 0);
            return n <= 0 ? "holder unknown" : new String(b.array(), 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "holder unreadable: " + e.getMessage();
        }
    }

    private static String holderDescription() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return "pid " + ProcessHandle.current().pid() + " on " + host + " (" + ManagementFactory.getRuntimeMXBean().getName() + ")";
    }

    Path root() {
        return root;
    }

    Path segmentsDirectory() {
        return root.resolve(SEGMENTS_DIR);
    }

    /**
     * Registers a follower of the store at {@code root} (in any process) until the returned
     * channel is closed: a shared lock in {@link #FOLLOWERS_FILE}, which needs read access only
     * (the writer created the file). Take it before reading the manifest, so that a writer that
     * finds no follower ({@link #followersMayBeOpen}) has already moved the log start past every
     * segment file it then reuses.
     */
    static FileChannel registerFollower(Path root) throws IOException {
        FileChannel channel = FileChannel.open(root.resolve(FOLLOWERS_FILE), StandardOpenOption.READ);
        try {
            channel.lock(FOLLOWER_REGIONS.getAndIncrement(), 1, true);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Whether a follower may be open (in this or another process), so that a compacted segment's
     * file may still be mapped and read there: reusing it would change the bytes under that
     * follower, while deleting it does not. True too when the lock cannot be tried.
     */
    boolean followersMayBeOpen() {
        try (FileChannel channel = FileChannel.open(root.resolve(FOLLOWERS_FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            FileLock all = channel.tryLock();
            if (all == null) {
                return true;
            }
            all.release();
            return false;
        } catch (IOException | OverlappingFileLockException e) {
            return true;
        }
    }

    /** Random id of this store, part of every ETag so two stores never issue the same one. */
    String storeId() {
        return storeId;
    }

    /** The store's record seed ({@link #RECORD_SEED}). */
    long recordSeed() {
        return recordSeed;
    }

    /** This writer's epoch, higher than every earlier writer's. */
    int epoch() {
        return epoch;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }
}
