package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.conformance.LeakCheckingTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index's two structures (hashed entries, sorted keys), and a checkpoint base under them, against a {@link TreeMap} model, under
 * seeded random puts, overwrites and removals: point lookups, paged prefix listings, ordered
 * visits, key counts and live-byte accounting must all agree with the model.
 */
class LogIndexTest extends LeakCheckingTest {
    private static final String NS = "ns";
    private static final byte SPACE = RecordDescriptor.SPACE_STATE;

    @TempDir
    Path dir;
    private Segment segment;
    private final RecordCodec codec = new RecordCodec();
    private int appendAt;

    @BeforeEach
    void createSegment() throws Exception {
        segment = Segment.create(dir, 1, 0, 1 << 20, Syncer.REAL, false, Segment.Zeros.SYNCED);
    }

    @AfterEach
    void releaseSegment() {
        segment.release();
    }

    private IndexEntry entry(long lsn, int valueLength) {
        return new IndexEntry(lsn, segment, 0, RecordDescriptor.HEADER_LENGTH, valueLength, lsn, ObjectAttributes.DEFAULT, null);
    }

    @Test
    void agreesWithASortedModelUnderRandomPutsOverwritesRemovalsAndKeysListedAhead() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            LogIndex index = new LogIndex();
            TreeMap<String, IndexEntry> model = new TreeMap<>(Names.KEY_ORDER);
            applyRandomChanges(index, model, random, 2_000, (key, op) -> entry(op, random.nextInt(100)));
            assertAgrees(index, model, random);
            index.discard();
            assertThat(segment.liveBytes()).isZero();
        }
    }

    private IndexEntry entryAt(long lsn, int recordOffset) {
        return new IndexEntry(lsn, segment, recordOffset, recordOffset + RecordDescriptor.HEADER_LENGTH, 10, lsn,
            ObjectAttributes.DEFAULT, null);
    }

    /** What compaction skips without a lookup: every record overwritten or removed, never one put again (a replay's). */
    @Test
    void notesEverySupersededRecordForCompactionButNotARecordPutAgain() {
        LogIndex index = new LogIndex();
        index.put(NS, SPACE, "a", entryAt(1, 0));
        index.put(NS, SPACE, "b", entryAt(2, 64));
        index.put(NS, SPACE, "a", entryAt(1, 0));
        assertThat(segment.supersededOffsets()).as("the same record again is still current").isEmpty();
        index.put(NS, SPACE, "a", entryAt(3, 128));
        index.remove(NS, SPACE, "b");
        index.put(NS, SPACE, "c", entryAt(4, 192));
        assertThat(segment.supersededOffsets()).containsExactly(0, 64);
        index.discard();
        assertThat(segment.liveBytes()).isZero();
    }

    @Test
    void theListOfSupersededRecordsIsBoundedByTheSegmentsSize() {
        int most = segment.capacity() / Segment.MAX_SUPERSEDED_SHARE / Integer.BYTES;
        LogIndex index = new LogIndex();
        for (int i = 0; i <= most + 10; i++) {
            index.put(NS, SPACE, "a", entryAt(i + 1, 64 * i));
        }
        assertThat(segment.supersededOffsets()).hasSize(most).startsWith(0, 64);
        index.discard();
    }

    /**
     * {@code ops} seeded random puts, overwrites and removals, applied to the index and the model
     * alike; agreement is checked every 97 operations.
     */
    private void applyRandomChanges(LogIndex index, TreeMap<String, IndexEntry> model, SplittableRandom random, int ops,
                                    java.util.function.BiFunction<String, Integer, IndexEntry> newEntry) {
        for (int op = 0; op < ops; op++) {
            String key = "k/" + (char) ('a' + random.nextInt(4)) + "/" + random.nextInt(60);
            if (random.nextInt(4) == 0) {
                index.remove(NS, SPACE, key);
                model.remove(key);
            } else {
                IndexEntry e = newEntry.apply(key, op);
                index.put(NS, SPACE, key, e);
                model.put(key, e);
            }
            if (op % 97 == 0) {
                assertAgrees(index, model, random);
            }
        }
    }

    /**
     * Overwrites in place against concurrent lookups: the writing thread rewrites one key's slot
     * with versions whose every field is derived from the LSN, while a reader checks that each
     * snapshot is one version whole (a lookup that mixed two would break the derivation). The
     * writer does a fixed number of overwrites; the reader looks up until it is done.
     */
    @Test
    void aLookupDuringOverwritesSeesOneVersionWhole() throws Exception {
        LogIndex index = new LogIndex();
        index.put(NS, SPACE, "hot", derived(1));
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong lookups = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<String> torn = new java.util.concurrent.atomic.AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!done.get() && torn.get() == null) {
                IndexEntry e = index.get(NS, SPACE, "hot");
                long lsn = e.lsn;
                if (e.recordOffset != (int) (lsn * 8) || e.valueOffset != (int) (lsn * 8) + RecordDescriptor.HEADER_LENGTH
                    || e.valueLength != (int) (lsn % 1000) || e.timestampMillis != lsn * 3) {
                    torn.set("lsn " + lsn + " with recordOffset " + e.recordOffset + ", valueOffset " + e.valueOffset
                        + ", valueLength " + e.valueLength + ", timestamp " + e.timestampMillis);
                }
                lookups.incrementAndGet();
            }
        }, "index-reader");
        reader.start();
        try {
            for (long lsn = 2; lsn < 3_000_000 && torn.get() == null; lsn++) {
                index.put(NS, SPACE, "hot", derived(lsn));
            }
        } finally {
            done.set(true);
            reader.join();
        }
        assertThat(torn.get()).isNull();
        assertThat(lookups.get()).isPositive();
        index.discard();
    }

    private IndexEntry derived(long lsn) {
        int offset = (int) (lsn * 8);
        return new IndexEntry(lsn, segment, offset, offset + RecordDescriptor.HEADER_LENGTH, (int) (lsn % 1000), lsn * 3,
            ObjectAttributes.DEFAULT, null);
    }

    /** Appends a real put record (a checkpoint's base entries are read from their records). */
    private IndexEntry record(String key, int valueLength, long lsn) {
        byte[] ns = NS.getBytes(StandardCharsets.UTF_8);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        codec.writeHeader(segment.appendBuffer(), appendAt, RecordDescriptor.TYPE_PUT, SPACE, (byte) 0, ns, k, RecordCodec.NO_ATTRIBUTES,
            lsn, lsn, 1, valueLength);
        int frame = (int) RecordDescriptor.frameLength(ns.length, k.length, 0, valueLength);
        codec.seal(segment.appendBuffer(), appendAt, frame, segment.crcSeed());
        IndexEntry entry = BlobEntry.read(segment, appendAt);
        appendAt += (int) RecordDescriptor.align(frame);
        return entry;
    }

    /**
     * An index opened from a checkpoint keeps the checkpoint as its base and what changes above
     * it: lookups, listings, visits, counts and live bytes agree with the model from the load on,
     * through seeded random puts, overwrites, removals (of base keys too), re-creations of removed
     * base keys and keys added since; and the base entries a lookup returns stay one object.
     */
    @Test
    void aCheckpointBaseAgreesWithTheModelUnderRandomChangesAboveIt() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            appendAt = 0;
            LogIndex written = new LogIndex();
            for (int i = 0; i < 150; i++) {
                String key = "k/" + (char) ('a' + random.nextInt(4)) + "/" + random.nextInt(60);
                written.put(NS, SPACE, key, record(key, random.nextInt(40), i + 1));
            }
            Path file = Checkpoints.write(dir, written, new Checkpoints.Point(segment.id(), appendAt, 150), segment, Syncer.REAL, () -> { });
            written.discard();
            assertThat(segment.liveBytes()).isZero();
            Checkpoints.Loaded loaded = Checkpoints.read(file, Map.of(segment.id(), segment));
            assertThat(loaded.point()).isEqualTo(new Checkpoints.Point(segment.id(), appendAt, 150));
            LogIndex index = loaded.index();
            TreeMap<String, IndexEntry> model = new TreeMap<>(Names.KEY_ORDER);
            index.forEach((namespace, space, key, entry) -> model.put(key, entry));
            assertThat(model).hasSizeGreaterThan(100);
            assertAgrees(index, model, random);
            applyRandomChanges(index, model, random, 1_500, (key, op) -> record(key, random.nextInt(100), 1_000 + op));
            assertAgrees(index, model, random);
            // What the index holds now, written and read back, is the same index again.
            Path again = Checkpoints.write(dir, index, new Checkpoints.Point(segment.id(), appendAt, 2_000), segment, Syncer.REAL, () -> { });
            Checkpoints.Loaded reloaded = Checkpoints.read(again, Map.of(segment.id(), segment));
            List<String> keys = new ArrayList<>();
            reloaded.index().forEach((namespace, space, key, entry) -> {
                assertThat(entry.lsn).isEqualTo(model.get(key).lsn);
                assertThat(entry.recordOffset).isEqualTo(model.get(key).recordOffset);
                keys.add(key);
            });
            assertThat(keys).containsExactlyElementsOf(model.keySet());
            reloaded.index().discard();
            assertThat(segment.liveBytes()).isEqualTo(model.values().stream().mapToLong(IndexEntry::recordBytes).sum());
            index.discard();
            assertThat(segment.liveBytes()).isZero();
        }
    }

    /** A rejected checkpoint is thrown away whole: its totals leave the segments' live bytes as they were. */
    @Test
    void discardingAnUntouchedBaseTakesBackItsTotals() throws Exception {
        LogIndex written = new LogIndex();
        for (int i = 0; i < 20; i++) {
            written.put(NS, SPACE, "key/" + i, record("key/" + i, i, i + 1));
        }
        long live = segment.liveBytes();
        Path file = Checkpoints.write(dir, written, new Checkpoints.Point(segment.id(), appendAt, 20), segment, Syncer.REAL, () -> { });
        LogIndex loaded = Checkpoints.read(file, Map.of(segment.id(), segment)).index();
        assertThat(segment.liveBytes()).isEqualTo(2 * live);
        assertThat(loaded.keysPerNamespace()).containsEntry(NS, 20L);
        loaded.discard();
        assertThat(segment.liveBytes()).isEqualTo(live);
        written.discard();
        assertThat(segment.liveBytes()).isZero();
    }

    /**
     * Listings and visits first (they read base entries without caching them), then point lookups
     * (which cache them: a key's entry is then the same object lookup after lookup). Versions are
     * compared by LSN and place, since a base entry read twice without the cache is two objects.
     */
    private void assertAgrees(LogIndex index, TreeMap<String, IndexEntry> model, SplittableRandom random) {
        String prefix = random.nextBoolean() ? "" : "k/" + (char) ('a' + random.nextInt(4));
        List<String> listed = new ArrayList<>();
        ListRequest request = ListRequest.prefix(prefix).withLimit(1 + random.nextInt(25));
        while (true) {
            Page<String> page = index.list(NS, SPACE, request, (key, entry) -> {
                assertSameVersion(entry, model.get(key));
                return key;
            });
            listed.addAll(page.items());
            if (!page.truncated()) {
                break;
            }
            request = request.withStartAfter(page.nextStartAfter());
        }
        assertThat(listed).containsExactlyElementsOf(model.keySet().stream().filter(k -> k.startsWith(prefix)).toList());
        List<String> visited = new ArrayList<>();
        index.forEach((namespace, space, key, entry) -> {
            assertSameVersion(entry, model.get(key));
            visited.add(key);
        });
        assertThat(visited).containsExactlyElementsOf(model.keySet());
        assertThat(index.keysPerNamespace().getOrDefault(NS, 0L)).isEqualTo(model.size());
        assertThat(index.namespaces()).isEqualTo(model.isEmpty() ? List.of() : List.of(NS));
        for (int i = 0; i < 60; i++) {
            String key = "k/" + (char) ('a' + random.nextInt(4)) + "/" + random.nextInt(60);
            assertSameVersion(index.get(NS, SPACE, key), model.get(key));
        }
        for (Map.Entry<String, IndexEntry> e : model.entrySet()) {
            IndexEntry found = index.get(NS, SPACE, e.getKey());
            assertSameVersion(found, e.getValue());
            assertThat(found).isNotSameAs(e.getValue()); // a snapshot: the index's own slot never leaves it
        }
        long live = model.values().stream().mapToLong(IndexEntry::recordBytes).sum();
        assertThat(segment.liveBytes()).isEqualTo(live);
    }

    private static void assertSameVersion(IndexEntry actual, IndexEntry expected) {
        if (expected == null) {
            assertThat(actual).isNull();
            return;
        }
        assertThat(actual).isNotNull();
        assertThat(new long[] {actual.lsn, actual.segment.id(), actual.recordOffset, actual.valueOffset, actual.valueLength})
            .isEqualTo(new long[] {expected.lsn, expected.segment.id(), expected.recordOffset, expected.valueOffset, expected.valueLength});
    }
}
