package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Names;
import dev.stowage.conformance.LeakCheckingTest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link KeyTree} against a {@link TreeSet} model under seeded random adds and removals (trees
 * several levels deep, emptied and regrown), pending keys drained at random moments, bulk builds,
 * the key chunks against key order, readers walking the tree while one thread changes it, and
 * lookups while pending keys move into the tree. Seeds print on failure and
 * replay with {@code -Dstowage.seed=N}.
 */
class KeyTreeTest extends LeakCheckingTest {
    private static final long SEED = Long.getLong("stowage.seed", System.nanoTime());
    /** Code points that make keys share long prefixes, differ late, and sort across UTF-8 lengths. */
    private static final int[] POOL = {'a', 'b', 'z', '/', '0', '9', 0x7e, 0xe9, 0x800, 0xd7ff, 0xe000, 0xfffd, 0x10000, 0x1f600,
        0x10ffff};

    private static String randomKey(SplittableRandom random) {
        StringBuilder sb = new StringBuilder();
        switch (random.nextInt(3)) {
            case 0:
                sb.append("key/").append(random.nextInt(200_000));
                break;
            case 1:
                sb.append("tenant/").append(random.nextInt(4)).append("/orders/");
                for (int i = random.nextInt(4); i >= 0; i--) {
                    sb.appendCodePoint(POOL[random.nextInt(POOL.length)]);
                }
                break;
            default:
                for (int i = random.nextInt(10); i >= 0; i--) {
                    sb.appendCodePoint(POOL[random.nextInt(POOL.length)]);
                }
        }
        return sb.toString();
    }

    @Test
    void agreesWithASortedSetWhileGrowingShrinkingToEmptyAndRegrowing() {
        SplittableRandom random = new SplittableRandom(SEED);
        KeyTree tree = new KeyTree();
        TreeSet<String> model = new TreeSet<>(Names.KEY_ORDER);
        // Grow past three levels, shrink to nothing, regrow: splits, merges, dropped children, root changes.
        int[] targets = {20_000, 0, 5_000, 300, 12_000, 0};
        int op = 0;
        for (int target : targets) {
            while (target > 0 ? model.size() < target : !model.isEmpty()) {
                boolean add = target > 0 ? random.nextInt(4) != 0 : random.nextInt(8) == 0;
                String key = add || model.isEmpty() ? randomKey(random) : pick(model, random);
                if (add) {
                    assertThat(addNow(tree, key)).as("seed %d, op %d: add %s", SEED, op, key).isEqualTo(model.add(key));
                } else {
                    assertThat(tree.remove(key)).as("seed %d, op %d: remove %s", SEED, op, key).isEqualTo(model.remove(key));
                }
                if (++op % 1_500 == 0) {
                    assertAgrees(tree, model, random);
                }
            }
            assertAgrees(tree, model, random);
        }
        assertThat(tree.iterator().hasNext()).isFalse();
    }

    @Test
    void aChunkPacksThreeCodePointsAndNeverContradictsKeyOrderAfterASharedPrefix() {
        SplittableRandom random = new SplittableRandom(SEED);
        String previous = "";
        for (int i = 0; i < 20_000; i++) {
            String key = random.nextInt(3) == 0 ? previous + randomKey(random) : randomKey(random);
            int from = random.nextInt(key.length() + 1);
            if (from > 0 && from < key.length() && Character.isLowSurrogate(key.charAt(from))) {
                from--;
            }
            long expected = 0;
            int[] codePoints = key.substring(from).codePoints().limit(KeyTree.CHUNK_CODE_POINTS).toArray();
            for (int n = 0; n < KeyTree.CHUNK_CODE_POINTS; n++) {
                expected = expected << 21 | (n < codePoints.length ? codePoints[n] : 0);
            }
            assertThat(KeyTree.chunk(key, from)).as("seed %d: %s from %d", SEED, key, from).isEqualTo(expected);
            // Compare after the chars both share, backed off to a code point boundary.
            int shared = 0;
            while (shared < Math.min(previous.length(), key.length()) && previous.charAt(shared) == key.charAt(shared)) {
                shared++;
            }
            shared = random.nextInt(shared + 1);
            if (shared > 0 && Character.isHighSurrogate(key.charAt(shared - 1))) {
                shared--;
            }
            int byChunk = Long.compare(KeyTree.chunk(previous, shared), KeyTree.chunk(key, shared));
            if (byChunk != 0) {
                assertThat(Integer.signum(Names.KEY_ORDER.compare(previous, key))).as("seed %d: %s vs %s after %d chars", SEED,
                    previous, key, shared).isEqualTo(Integer.signum(byChunk));
            }
            previous = key;
        }
        // A listing prefix may hold a lone surrogate: it sorts as its own code point.
        assertThat(Long.compare(KeyTree.chunk("a\ud800", 1), KeyTree.chunk("a\ue000", 1))).isNegative();
        assertThat(Long.compare(KeyTree.chunk("a\ud800", 1), KeyTree.chunk("a\ud7ff", 1))).isPositive();
        assertThat(Long.compare(KeyTree.chunk("a\ud800", 1), KeyTree.chunk("a\ud83d\ude00", 1))).isNegative();
    }

    /** Lone surrogates in a listing's start key find their place among keys with surrogate pairs and shared prefixes. */
    @Test
    void startKeysWithLoneSurrogatesFindTheirPlace() {
        TreeSet<String> model = new TreeSet<>(Names.KEY_ORDER);
        for (int i = 0; i < 500; i++) {
            model.add("p/\ud83d\ude00/" + i);
            model.add("p/\ue000/" + i);
            model.add("p/\ud7ff/" + i);
        }
        KeyTree tree = treeOf(model);
        for (String from : List.of("p/\ud800", "p/\udbff", "p/\ud83d", "p/\ud83d\ude00/1", "p/\ue000/49", "p/\udfff")) {
            List<String> actual = new ArrayList<>();
            for (Iterator<String> it = tree.iterator(from, false); it.hasNext() && actual.size() < 10; ) {
                actual.add(it.next());
            }
            assertThat(actual).as(from).isEqualTo(model.tailSet(from, false).stream().limit(10).toList());
        }
    }

    @Test
    void anIteratorPastItsEndThrows() {
        KeyTree tree = new KeyTree();
        addNow(tree, "a");
        Iterator<String> keys = tree.iterator("a", false);
        assertThat(keys.hasNext()).isFalse();
        assertThatThrownBy(keys::next).isInstanceOf(NoSuchElementException.class);
    }

    /**
     * One thread adds and removes keys (splits, merges, root changes) while readers walk the tree:
     * every walk is strictly ascending and finds every key present throughout, and lookups of
     * those keys never miss.
     */
    @Test
    void readersSeeEveryStableKeyInOrderWhileTheTreeChanges() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        TreeSet<String> stable = new TreeSet<>(Names.KEY_ORDER);
        for (int i = 0; i < 2_000; i++) {
            stable.add(String.format("key/%06d/stable", i * 50));
        }
        KeyTree tree = treeOf(stable);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            List<String> added = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 20_000; i++) {
                    String key = String.format("key/%06d/moving", random.nextInt(100_000));
                    if (addNow(tree, key)) {
                        added.add(key);
                    }
                }
                for (String key : added) {
                    tree.remove(key);
                }
                added.clear();
            }
            writing.set(false);
        }, "key-tree-writer");
        Thread[] readers = new Thread[2];
        for (int r = 0; r < readers.length; r++) {
            readers[r] = new Thread(() -> {
                try {
                    do {
                        List<String> seen = new ArrayList<>();
                        String last = null;
                        for (String key : tree) {
                            if (last != null && Names.KEY_ORDER.compare(last, key) >= 0) {
                                throw new AssertionError("seed " + SEED + ": " + key + " after " + last);
                            }
                            last = key;
                            if (key.endsWith("/stable")) {
                                seen.add(key);
                            }
                        }
                        if (!seen.equals(new ArrayList<>(stable))) {
                            throw new AssertionError("seed " + SEED + ": a walk saw " + seen.size() + " of " + stable.size()
                                + " stable keys");
                        }
                        for (String key : stable) {
                            if (!tree.contains(key)) {
                                throw new AssertionError("seed " + SEED + ": lookup missed " + key);
                            }
                        }
                    } while (writing.get());
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "key-tree-reader-" + r);
        }
        writer.start();
        for (Thread reader : readers) {
            reader.start();
        }
        writer.join();
        for (Thread reader : readers) {
            reader.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(tree).containsExactlyElementsOf(stable);
    }

    /**
     * Pending keys are in the set at once (lookups, removals) whether or not a drain ran, a drain
     * is asked for at {@link KeyTree#DRAIN_AT} pending keys, and drains run at random moments (here
     * by hand) keep the set equal to the model.
     */
    @Test
    void pendingKeysAreInTheSetBeforeDuringAndAfterDrains() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<Runnable> drains = new ArrayList<>();
        KeyTree tree = new KeyTree(drains::add);
        TreeSet<String> model = new TreeSet<>(Names.KEY_ORDER);
        int drainsRun = 0;
        for (int op = 1; op <= 60_000; op++) {
            String key = model.isEmpty() || random.nextInt(3) != 0 ? randomKey(random) : pick(model, random);
            if (random.nextInt(6) == 0) {
                assertThat(tree.remove(key)).as("seed %d, op %d: remove %s", SEED, op, key).isEqualTo(model.remove(key));
            } else {
                tree.addPending(key);
                model.add(key);
            }
            assertThat(tree.contains(key)).as("seed %d, op %d: contains %s", SEED, op, key).isEqualTo(model.contains(key));
            if (!drains.isEmpty() && random.nextInt(50) == 0) {
                drainsRun += drains.size();
                drains.forEach(Runnable::run);
                drains.clear();
            }
            if (op % 15_000 == 0) {
                for (String k : model) {
                    assertThat(tree.contains(k)).as("seed %d, op %d: contains %s", SEED, op, k).isTrue();
                }
                assertAgrees(tree, model, random);
            }
        }
        assertThat(drainsRun).as("drains asked for and run").isPositive();
    }

    @Test
    void keysWhoseDrainWasRejectedWaitForTheNextListing() {
        KeyTree tree = new KeyTree(task -> {
            throw new RejectedExecutionException("stopping");
        });
        TreeSet<String> model = new TreeSet<>(Names.KEY_ORDER);
        for (int i = KeyTree.DRAIN_AT + 10; i > 0; i--) {
            String key = "key/" + i;
            tree.addPending(key);
            model.add(key);
        }
        assertThat(tree.contains("key/1")).isTrue();
        assertThat(tree).containsExactlyElementsOf(model);
    }

    /**
     * While one thread adds pending keys and a drainer thread moves them into the tree, lookups
     * of every key already added never miss (a drain adds to the tree before the key leaves the
     * pending set).
     */
    @Test
    void lookupsNeverMissAKeyMovingFromPendingIntoTheTree() throws Exception {
        ExecutorService drainer = BackgroundThread.named("key-tree-drainer");
        try {
            KeyTree tree = new KeyTree(drainer);
            String[] keys = new String[100_000];
            SplittableRandom random = new SplittableRandom(SEED);
            for (int i = 0; i < keys.length; i++) {
                keys[i] = "key/" + random.nextInt(1_000_000_000) + "/" + i;
            }
            AtomicInteger added = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] readers = new Thread[2];
            for (int r = 0; r < readers.length; r++) {
                int offset = r;
                readers[r] = new Thread(() -> {
                    try {
                        for (int n = added.get(); n < keys.length; n = added.get()) {
                            // The newest keys (most likely pending or moving), then older ones.
                            for (int i = Math.max(0, n - 64); i < n; i++) {
                                check(tree, keys[i]);
                            }
                            if (n > 0) {
                                check(tree, keys[(n * 31 + offset) % n]);
                            }
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }, "key-tree-reader-" + r);
                readers[r].start();
            }
            for (String key : keys) {
                tree.addPending(key);
                added.incrementAndGet();
            }
            for (Thread reader : readers) {
                reader.join();
            }
            assertThat(failure.get()).isNull();
            List<String> expected = new ArrayList<>(List.of(keys));
            expected.sort(Names.KEY_ORDER);
            assertThat(tree).containsExactlyElementsOf(expected);
        } finally {
            BackgroundThread.stop(drainer, "test drains");
        }
    }

    private static void check(KeyTree tree, String key) {
        if (!tree.contains(key)) {
            throw new AssertionError("seed " + SEED + ": lookup missed " + key);
        }
    }

    private static String pick(NavigableSet<String> model, SplittableRandom random) {
        String at = model.ceiling(randomKey(random));
        return at != null ? at : model.first();
    }

    private static void assertAgrees(KeyTree tree, NavigableSet<String> model, SplittableRandom random) {
        assertThat(tree).as("seed %d", SEED).containsExactlyElementsOf(model);
        for (int i = 0; i < 200; i++) {
            String from = random.nextInt(4) == 0 && !model.isEmpty() ? pick(model, random) : randomKey(random);
            boolean inclusive = random.nextBoolean();
            List<String> expected = model.tailSet(from, inclusive).stream().limit(70).toList();
            List<String> actual = new ArrayList<>();
            for (Iterator<String> it = tree.iterator(from, inclusive); it.hasNext() && actual.size() < 70; ) {
                actual.add(it.next());
            }
            assertThat(actual).as("seed %d: from %s (inclusive %s)", SEED, from, inclusive).isEqualTo(expected);
            String probe = randomKey(random);
            assertThat(tree.contains(probe)).as("seed %d: contains %s", SEED, probe).isEqualTo(model.contains(probe));
        }
    }

    /** Adds {@code key} to the tree itself, as a drain right after it would; false if it was present. */
    private static boolean addNow(KeyTree tree, String key) {
        boolean absent = !tree.contains(key);
        tree.addPending(key);
        tree.drainPending();
        return absent;
    }

    private static KeyTree treeOf(Iterable<String> keys) {
        KeyTree tree = new KeyTree();
        keys.forEach(tree::addPending);
        tree.drainPending();
        return tree;
    }
}
