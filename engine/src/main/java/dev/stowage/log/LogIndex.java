package dev.stowage.log;

import dev.stowage.ListRequest;
import dev.stowage.Listings;
import dev.stowage.Page;
import dev.stowage.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * The in-memory index: per namespace and space (spaces as {@link RecordDescriptor}'s space codes,
 * staged payloads included), a hash map from key to {@link IndexEntry} for point lookups and a
 * sorted set of the same keys ({@link KeyTree}) for prefix listing.
 *
 * <p>Why two structures: a point lookup or an update of an existing key is one hash probe (a
 * sorted structure of a million keys costs about twenty key comparisons, most of them cache
 * misses); only a new or removed key touches the sorted set. Listings walk the set and take each
 * key's entry from the map, so they never see a superseded version. The cost is about 45 bytes of
 * heap per key (the map's node and table slot), measured by {@code HeapPerKey} in docs/benchmarks.md.
 *
 * <p>It also keeps what compaction needs to know without scanning it: the live record bytes of
 * each segment ({@link Segment#liveBytes()}) and how many entries reference each blob file
 * ({@link #blobReferences(long)}; copies and promotes share a blob).
 *
 * <p>Thread-safety: written by one thread at a time (recovery, then whichever thread publishes the
 * writer's batches, only after a batch is durable); read concurrently and lock-free by any thread.
 * A new key goes into the map before the set and a removed one leaves the set before the map, so
 * a concurrent listing may miss a key added or see one removed at that instant (never acknowledged
 * yet, or acknowledged just now), and a point lookup sees exactly one version. The one write from
 * another thread is {@link #listAhead}, from the writer thread while batches are published.
 */
final class LogIndex {
    private static final int SPACES = RecordDescriptor.SPACE_STAGED + 1;

    /** The keys and entries of one space of one namespace. */
    private static final class Space {
        final ConcurrentHashMap<String, IndexEntry> entries;
        final KeyTree keys;

        Space() {
            this(new ConcurrentHashMap<>(), new KeyTree());
        }

        Space(ConcurrentHashMap<String, IndexEntry> entries, KeyTree keys) {
            this.entries = entries;
            this.keys = keys;
        }
    }

    private final ConcurrentHashMap<String, Space[]> namespaces = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Integer> blobReferences = new ConcurrentHashMap<>();

    IndexEntry get(String namespace, byte space, String key) {
        Space[] spaces = namespaces.get(namespace);
        return spaces == null ? null : spaces[space].entries.get(key);
    }

    void put(String namespace, byte space, String key, IndexEntry entry) {
        put(namespace, space, key, entry, false);
    }

    /** As {@link #put(String, byte, String, IndexEntry)}; {@code listed}: {@link #listAhead} added the key to the set already. */
    void put(String namespace, byte space, String key, IndexEntry entry, boolean listed) {
        counted(entry, 1);
        Space s = spaces(namespace)[space];
        IndexEntry previous = s.entries.put(key, entry);
        if (previous != null) {
            counted(previous, -1);
        } else if (!listed) {
            s.keys.add(key);
        }
    }

    /**
     * Adds a key that is about to be created to the sorted set ahead of its entry. Only for a key
     * with no entry and no write waiting to be published (so no removal of it can run meanwhile),
     * which only the writer knows. Listings skip a key without an entry, so it stays invisible
     * until {@code put(..., listed = true)} publishes the entry; what this gains is that the
     * insertion (some twenty cache-missing comparisons in a set of a million keys) runs on the
     * writer thread, not on the one publishing durable batches, whose time every caller waits for.
     */
    void listAhead(String namespace, byte space, String key) {
        spaces(namespace)[space].keys.add(key);
    }

    private Space[] spaces(String namespace) {
        return namespaces.computeIfAbsent(namespace, n -> {
            Space[] spaces = new Space[SPACES];
            for (int i = 0; i < SPACES; i++) {
                spaces[i] = new Space();
            }
            return spaces;
        });
    }

    /** Adds ({@code sign} 1) or removes ({@code -1}) what {@code entry} holds live. */
    private void counted(IndexEntry entry, int sign) {
        entry.segment.addLiveBytes(sign * (long) entry.recordBytes());
        if (entry instanceof BlobEntry) {
            blobReferences.merge(((BlobEntry) entry).blobId, sign, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    /**
     * Takes back what every entry added to segment and blob counts: for an index that is thrown
     * away (a checkpoint read back but not used), since the counts live in shared segments.
     */
    void discard() {
        forEach((namespace, space, key, entry) -> counted(entry, -1));
        namespaces.clear();
    }

    /** Entries that reference blob {@code id}; 0 once no current version needs its file. */
    int blobReferences(long id) {
        return blobReferences.getOrDefault(id, 0);
    }

    /**
     * Installs a whole space of a namespace from keys already in {@link Names#KEY_ORDER}, in linear
     * time (loading a checkpoint). The space must be empty.
     */
    void load(String namespace, byte space, List<String> sortedKeys, List<IndexEntry> entries) {
        ConcurrentHashMap<String, IndexEntry> map = new ConcurrentHashMap<>(Math.max(16, sortedKeys.size() * 4 / 3 + 1));
        for (int i = 0; i < sortedKeys.size(); i++) {
            map.put(sortedKeys.get(i), entries.get(i));
        }
        spaces(namespace)[space] = new Space(map, KeyTree.ofSorted(sortedKeys));
        entries.forEach(e -> counted(e, 1));
    }

    void remove(String namespace, byte space, String key) {
        Space[] spaces = namespaces.get(namespace);
        if (spaces == null) {
            return;
        }
        Space s = spaces[space];
        if (s.keys.remove(key)) {
            counted(s.entries.remove(key), -1);
        }
    }

    /** One page of a listing, as {@code mapper(key, entry)} results. */
    <T> Page<T> list(String namespace, byte space, ListRequest request, BiFunction<String, IndexEntry, T> mapper) {
        Space[] spaces = namespaces.get(namespace);
        if (spaces == null) {
            return new Page<>(List.of(), false, null);
        }
        Space s = spaces[space];
        return Listings.page(s.keys::iterator, request, key -> {
            IndexEntry entry = s.entries.get(key);
            return entry == null ? null : mapper.apply(key, entry);
        });
    }

    /** Namespaces with at least one user-visible or staged entry, in key order. */
    List<String> namespaces() {
        List<String> names = new ArrayList<>();
        namespaces.forEach((name, spaces) -> {
            for (Space s : spaces) {
                if (!s.entries.isEmpty()) {
                    names.add(name);
                    return;
                }
            }
        });
        names.sort(Names.KEY_ORDER);
        return names;
    }

    /** Visits every entry (offline tools). */
    interface EntryVisitor {
        void visit(String namespace, byte space, String key, IndexEntry entry);
    }

    /** Visits every entry, each space's keys in {@link Names#KEY_ORDER}. */
    void forEach(EntryVisitor visitor) {
        namespaces.forEach((namespace, spaces) -> {
            for (int space = 0; space < SPACES; space++) {
                byte code = (byte) space;
                Space s = spaces[space];
                for (String key : s.keys) {
                    IndexEntry entry = s.entries.get(key);
                    if (entry != null) {
                        visitor.visit(namespace, code, key, entry);
                    }
                }
            }
        });
    }

    /** Live keys per namespace, every space included. */
    Map<String, Long> keysPerNamespace() {
        Map<String, Long> counts = new java.util.TreeMap<>(Names.KEY_ORDER);
        namespaces.forEach((namespace, spaces) -> {
            long n = 0;
            for (Space s : spaces) {
                n += s.entries.size();
            }
            counts.put(namespace, n);
        });
        return counts;
    }
}
