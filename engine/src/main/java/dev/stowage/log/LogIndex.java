package dev.stowage.log;

import dev.stowage.ListRequest;
import dev.stowage.Listings;
import dev.stowage.Page;
import dev.stowage.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiFunction;

/**
 * The in-memory index: per namespace and space, a sorted map from key to {@link IndexEntry}
 * (spaces as {@link RecordDescriptor}'s space codes, staged payloads included).
 *
 * <p>It also keeps what compaction needs to know without scanning it: the live record bytes of
 * each segment ({@link Segment#liveBytes()}) and how many entries reference each blob file
 * ({@link #blobReferences(long)}; copies and promotes share a blob).
 *
 * <p>Thread-safety: written by one thread at a time (recovery, then the writer, only after a batch
 * is durable); read concurrently and lock-free by any thread.
 */
final class LogIndex {
    private static final int SPACES = RecordDescriptor.SPACE_STAGED + 1;

    private final ConcurrentHashMap<String, ConcurrentSkipListMap<String, IndexEntry>[]> namespaces = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Integer> blobReferences = new ConcurrentHashMap<>();

    IndexEntry get(String namespace, byte space, String key) {
        ConcurrentSkipListMap<String, IndexEntry>[] spaces = namespaces.get(namespace);
        return spaces == null ? null : spaces[space].get(key);
    }

    void put(String namespace, byte space, String key, IndexEntry entry) {
        counted(entry, 1);
        IndexEntry previous = spaces(namespace)[space].put(key, entry);
        if (previous != null) {
            counted(previous, -1);
        }
    }

    @SuppressWarnings("unchecked")
    private ConcurrentSkipListMap<String, IndexEntry>[] spaces(String namespace) {
        return namespaces.computeIfAbsent(namespace, n -> {
            ConcurrentSkipListMap<String, IndexEntry>[] maps = new ConcurrentSkipListMap[SPACES];
            for (int i = 0; i < SPACES; i++) {
                maps[i] = new ConcurrentSkipListMap<>(Names.KEY_ORDER);
            }
            return maps;
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
        spaces(namespace)[space] = new ConcurrentSkipListMap<>(new SortedRun(sortedKeys, entries));
        entries.forEach(e -> counted(e, 1));
    }

    /** Read-only sorted view over parallel lists, enough for {@link ConcurrentSkipListMap}'s linear-time copy. */
    private static final class SortedRun extends java.util.AbstractMap<String, IndexEntry>
        implements java.util.SortedMap<String, IndexEntry> {
        private final List<String> keys;
        private final List<IndexEntry> values;

        SortedRun(List<String> keys, List<IndexEntry> values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        public java.util.Comparator<? super String> comparator() {
            return Names.KEY_ORDER;
        }

        @Override
        public java.util.Set<Map.Entry<String, IndexEntry>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Map.Entry<String, IndexEntry>> iterator() {
                    return new java.util.Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < keys.size();
                        }

                        @Override
                        public Map.Entry<String, IndexEntry> next() {
                            Map.Entry<String, IndexEntry> e = Map.entry(keys.get(i), values.get(i));
                            i++;
                            return e;
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.size();
                }
            };
        }

        @Override
        public String firstKey() {
            return keys.get(0);
        }

        @Override
        public String lastKey() {
            return keys.get(keys.size() - 1);
        }

        @Override
        public java.util.SortedMap<String, IndexEntry> subMap(String from, String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.SortedMap<String, IndexEntry> headMap(String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.SortedMap<String, IndexEntry> tailMap(String from) {
            throw new UnsupportedOperationException();
        }
    }

    void remove(String namespace, byte space, String key) {
        ConcurrentSkipListMap<String, IndexEntry>[] spaces = namespaces.get(namespace);
        IndexEntry previous = spaces == null ? null : spaces[space].remove(key);
        if (previous != null) {
            counted(previous, -1);
        }
    }

    /** One page of a listing, as {@code mapper(key, entry)} results. */
    <T> Page<T> list(String namespace, byte space, ListRequest request, BiFunction<String, IndexEntry, T> mapper) {
        ConcurrentSkipListMap<String, IndexEntry>[] spaces = namespaces.get(namespace);
        if (spaces == null) {
            return new Page<>(List.of(), false, null);
        }
        return Listings.page(spaces[space], request, mapper);
    }

    /** Namespaces with at least one user-visible or staged entry, in key order. */
    List<String> namespaces() {
        List<String> names = new ArrayList<>();
        namespaces.forEach((name, spaces) -> {
            for (ConcurrentSkipListMap<String, IndexEntry> m : spaces) {
                if (!m.isEmpty()) {
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

    void forEach(EntryVisitor visitor) {
        namespaces.forEach((namespace, spaces) -> {
            for (int space = 0; space < SPACES; space++) {
                byte code = (byte) space;
                spaces[space].forEach((key, entry) -> visitor.visit(namespace, code, key, entry));
            }
        });
    }

    /** Live keys per namespace, every space included. */
    Map<String, Long> keysPerNamespace() {
        Map<String, Long> counts = new java.util.TreeMap<>(Names.KEY_ORDER);
        namespaces.forEach((namespace, spaces) -> {
            long n = 0;
            for (ConcurrentSkipListMap<String, IndexEntry> m : spaces) {
                n += m.size();
            }
            counts.put(namespace, n);
        });
        return counts;
    }
}
