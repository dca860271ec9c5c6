package dev.stowage.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.ChangeEvent;
import dev.stowage.ChangeListener;
import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.Subscription;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction: live records copied forward with their ETags, dead segments and blobs deleted,
 * tombstones never resurrecting a key, readers and other processes' grace respected, a crash at
 * every step of a pass leaving the same store, retention through the writer.
 */
class LogStoreCompactionTest extends LeakCheckingTest {
    private static final String NS = "cmp";

    @TempDir
    Path dir;

    /** A clock the test moves. */
    static final class ManualClock implements InstantSource {
        private final AtomicLong millis = new AtomicLong(1_700_000_000_000L);

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        void advance(Duration d) {
            millis.addAndGet(d.toMillis());
        }
    }

    /** Buffered writes keep the test fast; compaction syncs its copies in every mode. */
    private static LogStore.Builder builder(Path root) {
        return LogStore.builder(root).durability(Durability.none()).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).checkpointInterval(Duration.ZERO)
            .compactionInterval(Duration.ZERO).compactionBytesPerSecond(0).segmentDeleteGrace(Duration.ZERO);
    }

    private static byte[] value(String key, int version, int size) {
        byte[] v = new byte[size];
        byte[] head = (key + "@" + version).getBytes(UTF_8);
        System.arraycopy(head, 0, v, 0, Math.min(head.length, size));
        for (int i = head.length; i < size; i++) {
            v[i] = (byte) (i * 17 + version);
        }
        return v;
    }

    private static byte[] readState(LogStore store, String key) {
        try (Content c = store.readState(NS, key)) {
            return c.readAllBytes();
        }
    }

    private static String stateEtag(LogStore store, String key) {
        try (Content c = store.readState(NS, key)) {
            return c.etag();
        }
    }

    /** Segment files holding records: not the spare one being prepared (under NONE durability, right after each roll). */
    private static long segmentFiles(Path root) throws IOException {
        long n = 0;
        for (Path segment : LogFiles.segments(root)) {
            n += LogFiles.recordOffsets(segment).isEmpty() ? 0 : 1;
        }
        return n;
    }

    /** Writes {@code rounds} versions of {@code keys} state keys; returns key -> {last version, etag}. */
    private static Map<String, String> overwrite(LogStore store, int keys, int rounds, int size, Map<String, byte[]> values) {
        Map<String, String> etags = new HashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < keys; k++) {
                String key = "k" + k;
                byte[] v = value(key, r, size);
                etags.put(key, store.writeState(NS, key, ReplayableBody.ofBytes(v), Precondition.any()));
                values.put(key, v);
            }
        }
        return etags;
    }

    @Test
    void overwrittenSegmentsAreReclaimedAndEveryVersionKeepsItsBytesAndEtag() throws Exception {
        Path root = dir.resolve("store");
        Map<String, byte[]> values = new HashMap<>();
        Map<String, String> etags;
        String metaEtag;
        try (LogStore store = builder(root).compactionDeadRatio(0.5).open()) {
            metaEtag = store.storeMeta(NS, "doc", "the document".getBytes(UTF_8), Precondition.mustNotExist());
            etags = overwrite(store, 40, 50, 500, values);
            long before = segmentFiles(root);
            assertThat(before).isGreaterThan(15);

            CompactionReport report = store.compact();

            assertThat(report.segmentsCompacted()).isGreaterThan(0);
            assertThat(report.segmentsDeleted()).isEqualTo(report.segmentsCompacted());
            assertThat(report.recordsCopied()).isPositive();
            assertThat(segmentFiles(root)).isEqualTo(before - report.segmentsDeleted());
            assertThat(store.readMeta(NS, "doc").etag()).isEqualTo(metaEtag);
            assertThat(store.readMeta(NS, "doc").toByteArray()).isEqualTo("the document".getBytes(UTF_8));
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                assertThat(readState(store, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(stateEtag(store, e.getKey())).isEqualTo(etags.get(e.getKey()));
            }
            // The ETags read before compaction still match, and only they do.
            String renewed = store.storeMeta(NS, "doc", "v2".getBytes(UTF_8), Precondition.ifMatch(metaEtag));
            String stale = metaEtag;
            assertThatThrownBy(() -> store.storeMeta(NS, "doc", "v3".getBytes(UTF_8), Precondition.ifMatch(stale)))
                .isInstanceOf(PreconditionFailedException.class);
            metaEtag = renewed;
        }
        // Reopen from the checkpoint, and again by a full replay of what is left of the log.
        for (boolean fullReplay : new boolean[] {false, true}) {
            if (fullReplay) {
                deleteCheckpoints(root);
            }
            try (LogStore store = builder(root).open()) {
                assertThat(store.recoveryReport().checkpointLsn() < 0).isEqualTo(fullReplay);
                assertThat(store.readMeta(NS, "doc").etag()).isEqualTo(metaEtag);
                for (Map.Entry<String, byte[]> e : values.entrySet()) {
                    assertThat(readState(store, e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
                    assertThat(stateEtag(store, e.getKey())).isEqualTo(etags.get(e.getKey()));
                }
                // LSNs continue after every record ever written, deleted segments included.
                long lastLsn = 1 + 40 * 50 + 1;
                String next = store.storeMeta(NS, "fresh" + fullReplay, new byte[1], Precondition.mustNotExist());
                assertThat(Long.parseLong(next.substring(next.indexOf('-') + 1), 16)).isGreaterThan(lastLsn);
            }
        }
        assertThat(LogVerifier.verify(root).clean()).isTrue();
    }

    private static void deleteCheckpoints(Path root) throws IOException {
        try (Stream<Path> files = Files.list(root.resolve(Checkpoints.DIR))) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void deletedKeysStayDeletedAfterTheirTombstonesAreCompactedAway() throws Exception {
        Path root = dir.resolve("store");
        try (LogStore store = builder(root).compactionDeadRatio(0).open()) {
            for (int i = 0; i < 100; i++) {
                store.storeMeta(NS, "gone" + i, value("gone", i, 300), Precondition.any());
                store.putObject(NS, "obj" + i, ReplayableBody.ofBytes(value("obj", i, 300)), ObjectAttributes.contentType("text/plain"),
                    Precondition.any());
            }
            for (int i = 0; i < 100; i++) {
                store.deleteMeta(NS, "gone" + i, Precondition.any());
                if (i % 2 == 0) {
                    store.deleteObject(NS, "obj" + i, Precondition.any());
                }
            }
            overwrite(store, 10, 40, 600, new HashMap<>()); // seals the segments holding the tombstones
            assertThat(store.compact().segmentsCompacted()).isGreaterThan(3);
            overwrite(store, 10, 40, 600, new HashMap<>()); // seals the segment holding the copies
            assertThat(store.compact().segmentsCompacted()).as("a second pass over the copies").isPositive();
        }
        deleteCheckpoints(root);
        try (LogStore store = builder(root).open()) {
            for (int i = 0; i < 100; i++) {
                int n = i;
                assertThatThrownBy(() -> store.readMeta(NS, "gone" + n)).isInstanceOf(NotFoundException.class);
                if (i % 2 == 0) {
                    assertThatThrownBy(() -> store.headObject(NS, "obj" + n)).isInstanceOf(NotFoundException.class);
                } else {
                    assertThat(store.headObject(NS, "obj" + i).contentType()).isEqualTo("text/plain");
                    try (Content c = store.getObject(NS, "obj" + i)) {
                        assertThat(c.readAllBytes()).isEqualTo(value("obj", i, 300));
                    }
                }
            }
            assertThat(store.listMeta(NS, dev.stowage.ListRequest.prefix("gone")).items()).isEmpty();
            assertThat(store.listObjects(NS, dev.stowage.ListRequest.prefix("obj").withLimit(1000)).items()).hasSize(50);
        }
    }

    @Test
    void aReaderKeepsACompactedSegmentMappedUntilItCloses() throws Exception {
        Path root = dir.resolve("store");
        try (LogStore store = builder(root).compactionDeadRatio(0).open()) {
            byte[] old = value("held", 0, 5000);
            store.writeState(NS, "held", ReplayableBody.ofBytes(old), Precondition.any());
            Path firstSegment = LogFiles.segments(root).get(0);
            Content open = store.readState(NS, "held");
            try (ValueView view = store.viewState(NS, "held")) {
                store.writeState(NS, "held", ReplayableBody.ofBytes(value("held", 1, 5000)), Precondition.any());
                overwrite(store, 5, 30, 800, new HashMap<>());
                assertThat(store.compact().segmentsDeleted()).isPositive();
                assertThat(firstSegment).doesNotExist();
                // The file is gone, its mapping is not: both readers still see the version they opened.
                assertThat(open.readAllBytes()).isEqualTo(old);
                byte[] viewed = new byte[view.buffer().remaining()];
                view.buffer().get(viewed);
                assertThat(viewed).isEqualTo(old);
                open.close();
                assertThat(mapped(firstSegment)).as("the view holds the deleted file's mapping").isTrue();
            }
            assertThat(mapped(firstSegment)).as("the view held the last reference").isFalse();
            assertThat(readState(store, "held")).isEqualTo(value("held", 1, 5000));
        }
    }

    /**
     * Whether this process maps {@code file} (per {@code /proc/self/maps}; a deleted file stays
     * listed while mapped). Not a count of all mappings: under NONE durability the next segment is
     * prepared, and mapped, in the background right after each roll.
     */
    private static boolean mapped(Path file) throws IOException {
        try (java.util.stream.Stream<String> maps = Files.lines(Path.of("/proc/self/maps"))) {
            return maps.anyMatch(line -> line.contains(file.toString()));
        }
    }

    @Test
    void compactedSegmentsOutliveTheirGracePeriodOnlyOnDiskWhileAFollowerIsOpen() throws Exception {
        Path root = dir.resolve("store");
        ManualClock clock = new ManualClock();
        try (LogStore store = builder(root).clock(clock).compactionDeadRatio(0).segmentDeleteGrace(Duration.ofMinutes(1)).open();
             LogFollower follower = LogFollower.builder(root).open()) {
            overwrite(store, 20, 30, 700, new HashMap<>());
            Path oldest = LogFiles.segments(root).get(0);
            CompactionReport first = store.compact();
            assertThat(first.segmentsCompacted()).isPositive();
            assertThat(first.segmentsDeleted()).isZero();
            assertThat(oldest).as("kept for readers in other processes").exists();
            assertThat(LogVerifier.verify(root).clean()).as("files below the log start are ignored").isTrue();

            clock.advance(Duration.ofSeconds(59));
            assertThat(store.compact().segmentsDeleted()).isZero();
            clock.advance(Duration.ofSeconds(1));
            CompactionReport last = store.compact();
            assertThat(last.segmentsDeleted()).isEqualTo(first.segmentsCompacted());
            assertThat(last.segmentsRecycled()).as("the follower may still read them").isZero();
            assertThat(oldest).doesNotExist();
            assertThat(follower.appliedLsn()).isPositive();
        }
    }

    /** The grace is for followers, the only readers in other processes: without one open, compacted segments leave at once. */
    @Test
    void withoutAFollowerCompactedSegmentsLeaveAtOnce() throws Exception {
        Path root = dir.resolve("store");
        ManualClock clock = new ManualClock();
        Map<String, byte[]> values = new HashMap<>();
        try (LogStore store = builder(root).clock(clock).compactionDeadRatio(0).segmentDeleteGrace(Duration.ofDays(1)).spareSegments(1)
            .open()) {
            overwrite(store, 20, 30, 700, values);
            Path oldest = LogFiles.segments(root).get(0);
            CompactionReport report = store.compact();
            assertThat(report.segmentsCompacted()).isGreaterThan(1);
            assertThat(report.segmentsDeleted()).isEqualTo(report.segmentsCompacted());
            assertThat(report.segmentsRecycled()).isEqualTo(1);
            assertThat(oldest).doesNotExist();
            values.forEach((k, v) -> assertThat(readState(store, k)).isEqualTo(v));
        }
    }

    @Test
    void leftoverSegmentsOfACompactionAreDeletedAtOpen() throws Exception {
        Path root = dir.resolve("store");
        Map<String, byte[]> values = new HashMap<>();
        try (LogStore store = builder(root).compactionDeadRatio(0).segmentDeleteGrace(Duration.ofDays(1)).open();
             LogFollower follower = LogFollower.builder(root).open()) {
            overwrite(store, 20, 30, 700, values);
            assertThat(store.compact().segmentsCompacted()).isPositive();
            assertThat(follower.appliedLsn()).as("the follower holds the compacted files in their grace period").isPositive();
        }
        Path oldest = LogFiles.segments(root).get(0);
        assertThat(StoreRoot.logStart(root).firstSegment()).isGreaterThan(Segment.parseId(oldest.getFileName().toString()));
        try (LogStore store = builder(root).open()) {
            assertThat(oldest).doesNotExist();
            values.forEach((k, v) -> assertThat(readState(store, k)).isEqualTo(v));
        }
    }

    @Test
    void supersededBlobsGoWithTheirSegmentAndSharedOnesStay() throws Exception {
        Path root = dir.resolve("store");
        Path blobs = root.resolve(BlobStore.DIR);
        try (LogStore store = builder(root).blobThreshold(1024).compactionDeadRatio(0).open()) {
            store.putObject(NS, "a", ReplayableBody.ofBytes(value("a", 0, 4000)), ObjectAttributes.DEFAULT, Precondition.any());
            store.copyObject(NS, "a", "copy", Precondition.any());   // shares a's blob
            store.putObject(NS, "a", ReplayableBody.ofBytes(value("a", 1, 4000)), ObjectAttributes.DEFAULT, Precondition.any());
            store.putObject(NS, "b", ReplayableBody.ofBytes(value("b", 0, 4000)), ObjectAttributes.DEFAULT, Precondition.any());
            store.putObject(NS, "b", ReplayableBody.ofBytes(value("b", 1, 4000)), ObjectAttributes.DEFAULT, Precondition.any());
            assertThat(blobFiles(blobs)).isEqualTo(4);
            overwrite(store, 10, 30, 700, new HashMap<>());

            CompactionReport report = store.compact();

            assertThat(report.blobsDeleted()).as("b's first version").isEqualTo(1);
            assertThat(blobFiles(blobs)).isEqualTo(3);
            try (Content c = store.getObject(NS, "copy")) {
                assertThat(c.readAllBytes()).isEqualTo(value("a", 0, 4000));
            }
            store.deleteObject(NS, "copy", Precondition.any());
            overwrite(store, 10, 30, 700, new HashMap<>());
            assertThat(store.compact().blobsDeleted()).as("a's first version, now unreferenced").isEqualTo(1);
            for (String key : List.of("a", "b")) {
                try (Content c = store.getObject(NS, key)) {
                    assertThat(c.readAllBytes()).isEqualTo(value(key, 1, 4000));
                }
            }
        }
    }

    private static long blobFiles(Path blobs) throws IOException {
        try (Stream<Path> files = Files.list(blobs)) {
            return files.filter(p -> p.toString().endsWith(".blob")).count();
        }
    }

    @Test
    void copiesAreNotChangesOfTheFeed() throws Exception {
        Path root = dir.resolve("store");
        List<ChangeEvent> events = new CopyOnWriteArrayList<>();
        try (LogStore store = builder(root).compactionDeadRatio(0).open()) {
            for (int i = 0; i < 50; i++) {
                store.storeMeta(NS, "cold" + i, value("cold", i, 500), Precondition.any());
            }
            overwrite(store, 10, 30, 700, new HashMap<>());
            try (Subscription s = store.subscribe(NS, "", new ChangeListener() {
                @Override
                public void onChange(ChangeEvent event) {
                    events.add(event);
                }
            })) {
                // Events of earlier writes may still be on their way: start after a first marker.
                store.storeMeta(NS, "start", new byte[1], Precondition.any());
                awaitEvent(events, "start");
                events.clear();
                assertThat(store.compact().recordsCopied()).isPositive();
                store.storeMeta(NS, "marker", new byte[1], Precondition.any());
                awaitEvent(events, "marker");
            }
        }
        assertThat(events).extracting(ChangeEvent::key).containsExactly("marker");
    }

    private static void awaitEvent(List<ChangeEvent> events, String key) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (events.stream().noneMatch(e -> e.key().equals(key)) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    @Test
    void retentionDeletesStaleKeysThroughTheWriterAndSparesFreshOnes() throws Exception {
        Path root = dir.resolve("store");
        ManualClock clock = new ManualClock();
        List<ChangeEvent> deletes = new CopyOnWriteArrayList<>();
        try (LogStore store = builder(root).clock(clock).retention(Duration.ofHours(1)).compactionDeadRatio(1).open();
             Subscription s = store.subscribe(NS, "", new ChangeListener() {
                 @Override
                 public void onChange(ChangeEvent event) {
                     if (event.type() == ChangeEvent.ChangeType.DELETE) {
                         deletes.add(event);
                     }
                 }
             })) {
            store.storeMeta(NS, "stale-meta", new byte[1], Precondition.any());
            store.writeState(NS, "stale-state", ReplayableBody.ofBytes(new byte[3]), Precondition.any());
            store.storeMeta(NS, "renewed", new byte[1], Precondition.any());
            clock.advance(Duration.ofMinutes(59));
            store.storeMeta(NS, "renewed", new byte[2], Precondition.any());
            clock.advance(Duration.ofMinutes(2));

            assertThat(store.compact().keysExpired()).isEqualTo(2);

            assertThatThrownBy(() -> store.readMeta(NS, "stale-meta")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> store.readState(NS, "stale-state")).isInstanceOf(NotFoundException.class);
            assertThat(store.readMeta(NS, "renewed").toByteArray()).hasSize(2);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (deletes.size() < 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(deletes).extracting(ChangeEvent::key).containsExactlyInAnyOrder("stale-meta", "stale-state");
        }
    }

    /**
     * A crash at each durable step of a pass (copies synced; checkpoint written; manifest naming
     * the new log start) is taken by copying the store's files at that moment, as kill -9
     * would leave them (the mappings are shared). Every copy opens to the same keys, bytes, ETags.
     */
    @Test
    void aCrashAtEveryStepOfAPassLeavesTheSameStore() throws Exception {
        Path root = dir.resolve("store");
        List<Path> snapshots = new ArrayList<>();
        Syncer snapshotting = new Syncer() {
            @Override
            public void sync(Segment segment, int from, int to) {
                segment.force(from, to);
                if (compacting) {
                    snapshot(); // copies written so far, the old segments still in the log
                }
            }

            private void snapshot() {
                try {
                    Path copy = dir.resolve("crash" + snapshots.size());
                    LogFiles.copyTree(root, copy);
                    snapshots.add(copy);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }

            @Override
            public void syncDirectory(Path directory) throws IOException {
                Syncer.REAL.syncDirectory(directory);
                boolean checkpoint = directory.endsWith(Checkpoints.DIR);
                boolean manifest = directory.equals(root) && Files.exists(root.resolve(StoreRoot.MANIFEST_FILE))
                    && Files.readString(root.resolve(StoreRoot.MANIFEST_FILE)).contains("firstSegment");
                if (compacting && (checkpoint || manifest)) {
                    snapshot();
                }
            }
        };
        Map<String, byte[]> values = new HashMap<>();
        Map<String, String> etags;
        try (LogStore store = builder(root).syncer(snapshotting).compactionDeadRatio(0).open()) {
            etags = overwrite(store, 30, 30, 600, values);
            store.removeState(NS, "k0", Precondition.any());
            values.remove("k0");
            etags.remove("k0");
            compacting = true;
            assertThat(store.compact().segmentsCompacted()).isGreaterThan(3);
            compacting = false;
        }
        assertThat(snapshots).as("copies synced, checkpoint written, manifest moved").hasSizeGreaterThanOrEqualTo(3);
        for (Path snapshot : snapshots) {
            try (LogStore store = builder(snapshot).open()) {
                assertThatThrownBy(() -> store.readState(NS, "k0")).isInstanceOf(NotFoundException.class);
                for (Map.Entry<String, byte[]> e : values.entrySet()) {
                    assertThat(readState(store, e.getKey())).as(snapshot + " " + e.getKey()).isEqualTo(e.getValue());
                    assertThat(stateEtag(store, e.getKey())).isEqualTo(etags.get(e.getKey()));
                }
                assertThat(store.recoveryReport().repaired()).isFalse();
                assertThat(store.recoveryReport().checkpointsRejected()).as("the checkpoint of the step names no compacted segment")
                    .isNull();
            }
            assertThat(LogVerifier.verify(snapshot).clean()).as(snapshot.toString()).isTrue();
        }
    }

    private volatile boolean compacting;


    /**
     * Seeded random operations (writes, CAS, deletes, compaction passes, reopen with and without
     * checkpoints) against a model of what each key holds and which ETag names it.
     */
    @Test
    void randomOperationsWithCompactionMatchAModel() throws Exception {
        long seed = Long.getLong("stowage.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        Path root = dir.resolve("store");
        Map<String, byte[]> model = new HashMap<>();
        Map<String, String> etags = new HashMap<>();
        Map<String, String> superseded = new HashMap<>();
        LogStore store = builder(root).compactionDeadRatio(random.nextDouble(0, 0.8)).open();
        try {
            for (int step = 0; step < 4000; step++) {
                String key = "r" + random.nextInt(60);
                int op = random.nextInt(100);
                String where = "step " + step + " key " + key + " (seed " + seed + ")";
                if (op < 55) {
                    byte[] v = value(key, step, 1 + random.nextInt(3000));
                    String previous = etags.put(key, store.writeState(NS, key, ReplayableBody.ofBytes(v), Precondition.any()));
                    if (previous != null) {
                        superseded.put(key, previous);
                    }
                    model.put(key, v);
                } else if (op < 70) {
                    // CAS with the current ETag, or with one it superseded (which must fail, compacted or not)
                    boolean current = etags.containsKey(key) && random.nextBoolean();
                    Precondition p = current ? Precondition.ifMatch(etags.get(key))
                        : Precondition.ifMatch(superseded.getOrDefault(key, "none-0"));
                    byte[] v = value(key, step, 100);
                    try {
                        String etag = store.writeState(NS, key, ReplayableBody.ofBytes(v), p);
                        assertThat(current).as(where + ": a stale CAS succeeded").isTrue();
                        superseded.put(key, etags.put(key, etag));
                        model.put(key, v);
                    } catch (PreconditionFailedException e) {
                        assertThat(current).as(where + ": a current CAS failed").isFalse();
                    }
                } else if (op < 82) {
                    store.removeState(NS, key, Precondition.any());
                    model.remove(key);
                    String previous = etags.remove(key);
                    if (previous != null) {
                        superseded.put(key, previous);
                    }
                } else if (op < 95) {
                    store.compact();
                } else {
                    store.close();
                    if (random.nextBoolean() && Files.isDirectory(root.resolve(Checkpoints.DIR))) {
                        deleteCheckpoints(root);
                    }
                    store = builder(root).compactionDeadRatio(random.nextDouble(0, 0.8)).open();
                }
                if (step % 500 == 0 || op >= 82) {
                    checkModel(store, model, etags, where);
                }
            }
            checkModel(store, model, etags, "end (seed " + seed + ")");
        } finally {
            store.close();
        }
        assertThat(LogVerifier.verify(root).clean()).isTrue();
    }

    private static void checkModel(LogStore store, Map<String, byte[]> model, Map<String, String> etags, String where) {
        for (int k = 0; k < 60; k++) {
            String key = "r" + k;
            if (model.containsKey(key)) {
                try (Content c = store.readState(NS, key)) {
                    assertThat(c.etag()).as(where + " etag of " + key).isEqualTo(etags.get(key));
                    assertThat(c.readAllBytes()).as(where + " bytes of " + key).isEqualTo(model.get(key));
                } catch (UncheckedIOException e) {
                    throw e;
                }
            } else {
                assertThatThrownBy(() -> store.readState(NS, key)).as(where + " " + key).isInstanceOf(NotFoundException.class);
            }
        }
    }

    @Test
    void throttlePacesCopiesToTheRateWithoutSavingCredit() {
        long[] now = {0};
        List<Long> sleeps = new ArrayList<>();
        Compactor.Throttle throttle = new Compactor.Throttle(1000, () -> now[0], nanos -> {
            sleeps.add(nanos);
            now[0] += nanos;
        });
        throttle.acquire(500);
        throttle.acquire(500);
        assertThat(sleeps).containsExactly(500_000_000L, 500_000_000L);
        now[0] += 5_000_000_000L; // idle for 5 s: no burst credit
        sleeps.clear();
        throttle.acquire(2000);
        assertThat(sleeps).containsExactly(2_000_000_000L);

        Compactor.Throttle unlimited = new Compactor.Throttle(0, () -> now[0], nanos -> sleeps.add(-1L));
        sleeps.clear();
        unlimited.acquire(1L << 40);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void builderRejectsBadCompactionOptions() {
        Path root = dir.resolve("never");
        assertThatThrownBy(() -> LogStore.builder(root).compactionDeadRatio(1.5).open()).hasMessageContaining("compactionDeadRatio");
        assertThatThrownBy(() -> LogStore.builder(root).compactionDeadRatio(Double.NaN).open()).hasMessageContaining("compactionDeadRatio");
        assertThatThrownBy(() -> LogStore.builder(root).compactionBytesPerSecond(-1).open()).hasMessageContaining("compactionBytesPerSecond");
        assertThatThrownBy(() -> LogStore.builder(root).retention(Duration.ofSeconds(-1)).open()).hasMessageContaining("retention");
        assertThat(root).doesNotExist();
    }
}
