package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.conformance.LeakCheckingTest;
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
 * The index's two structures (hashed entries, sorted keys) against a {@link TreeMap} model, under
 * seeded random puts, overwrites and removals: point lookups, paged prefix listings, ordered
 * visits, key counts and live-byte accounting must all agree with the model.
 */
class LogIndexTest extends LeakCheckingTest {
    private static final String NS = "ns";
    private static final byte SPACE = RecordDescriptor.SPACE_STATE;

    @TempDir
    Path dir;
    private Segment segment;

    @BeforeEach
    void createSegment() throws Exception {
        segment = Segment.create(dir, 1, 1 << 16, Syncer.REAL, false);
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
            for (int op = 0; op < 2_000; op++) {
                String key = "k/" + (char) ('a' + random.nextInt(4)) + "/" + random.nextInt(60);
                if (random.nextInt(4) == 0) {
                    index.remove(NS, SPACE, key);
                    model.remove(key);
                } else if (!model.containsKey(key) && random.nextBoolean()) {
                    // The writer's way for a new key: listed ahead, invisible until its entry is put.
                    index.listAhead(NS, SPACE, key);
                    if (random.nextInt(3) == 0) {
                        assertAgrees(index, model, random);
                    }
                    IndexEntry e = entry(op, random.nextInt(100));
                    index.put(NS, SPACE, key, e, true);
                    model.put(key, e);
                } else {
                    IndexEntry e = entry(op, random.nextInt(100));
                    index.put(NS, SPACE, key, e);
                    model.put(key, e);
                }
                if (op % 97 == 0) {
                    assertAgrees(index, model, random);
                }
            }
            assertAgrees(index, model, random);
            index.discard();
            assertThat(segment.liveBytes()).isZero();
        }
    }

    @Test
    void aCheckpointLoadServesLookupsListingsAndLaterUpdates() {
        TreeMap<String, IndexEntry> model = new TreeMap<>(Names.KEY_ORDER);
        for (int i = 0; i < 500; i++) {
            model.put(String.format("key/%04d", i), entry(i, i % 50));
        }
        LogIndex index = new LogIndex();
        index.load(NS, SPACE, new ArrayList<>(model.keySet()), new ArrayList<>(model.values()));
        assertAgrees(index, model, new SplittableRandom(7));
        IndexEntry overwrite = entry(1_000, 3);
        index.put(NS, SPACE, "key/0007", overwrite);
        model.put("key/0007", overwrite);
        index.remove(NS, SPACE, "key/0100");
        model.remove("key/0100");
        IndexEntry added = entry(1_001, 4);
        index.put(NS, SPACE, "key/05", added);
        model.put("key/05", added);
        assertAgrees(index, model, new SplittableRandom(8));
        index.discard();
        assertThat(segment.liveBytes()).isZero();
    }

    private void assertAgrees(LogIndex index, TreeMap<String, IndexEntry> model, SplittableRandom random) {
        for (int i = 0; i < 60; i++) {
            String key = "k/" + (char) ('a' + random.nextInt(4)) + "/" + random.nextInt(60);
            assertThat(index.get(NS, SPACE, key)).isSameAs(model.get(key));
        }
        for (Map.Entry<String, IndexEntry> e : model.entrySet()) {
            assertThat(index.get(NS, SPACE, e.getKey())).isSameAs(e.getValue());
        }
        String prefix = random.nextBoolean() ? "" : "k/" + (char) ('a' + random.nextInt(4));
        List<String> listed = new ArrayList<>();
        ListRequest request = ListRequest.prefix(prefix).withLimit(1 + random.nextInt(25));
        while (true) {
            Page<String> page = index.list(NS, SPACE, request, (key, entry) -> {
                assertThat(entry).isSameAs(model.get(key));
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
            assertThat(entry).isSameAs(model.get(key));
            visited.add(key);
        });
        assertThat(visited).containsExactlyElementsOf(model.keySet());
        assertThat(index.keysPerNamespace().getOrDefault(NS, 0L)).isEqualTo(model.size());
        assertThat(index.namespaces()).isEqualTo(model.isEmpty() ? List.of() : List.of(NS));
        long live = model.values().stream().mapToLong(IndexEntry::recordBytes).sum();
        assertThat(segment.liveBytes()).isEqualTo(live);
    }
}
