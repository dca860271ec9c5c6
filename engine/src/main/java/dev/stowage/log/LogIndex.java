package dev.stowage.log;

import dev.stowage.ListRequest;
import dev.stowage.Listings;
import dev.stowage.Page;
import dev.stowage.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The in-memory index: per namespace and space (spaces as {@link RecordDescriptor}'s space codes,
 * staged payloads included), a hash map from key to {@link IndexSlot} for point lookups and a
 * sorted set of the same keys ({@link KeyTree}) for prefix listing; under both, after an open
 * from a checkpoint, the checkpoint itself ({@link CheckpointRun}, mapped and read in place).
 *
 * <p>Why two structures: a point lookup or an update of an existing key is one hash probe (a
 * sorted structure of a million keys costs about twenty key comparisons, most of them cache
 * misses); only a new or removed key touches the sorted set. Listings walk the set and take each
 * key's entry from the map, so they never see a superseded version. The cost is about 45 bytes of
 * heap per key (the map's node and table slot), measured by {@code HeapPerKey} in docs/benchmarks.md.
 *
 * <p>Why a checkpoint base: building the two structures for a million keys took over a second of
 * every open. With a base, an open maps the checkpoint and is done; a key of the base costs no
 * heap until it is used. The map then holds, above the base, the entries written since (a
 * removed base key as a tombstone) and the base entries already used (cached on first lookup, so
 * a key's entry is one object for as long as it is current); the sorted set holds only keys the
 * base lacks, and listings merge the two orders.
 *
 * <p>It also keeps what compaction needs to know without scanning it: the live record bytes of
 * each segment ({@link Segment#liveBytes()}) and how many entries reference each blob file
 * ({@link #blobReferences(long)}; copies and promotes share a blob). A checkpoint carries both as
 * totals, so a base is counted without reading its entries.
 *
 * <p>Thread-safety: written by one thread at a time (recovery, then whichever thread publishes the
 * writer's batches, only after a batch is durable); read concurrently and lock-free by any thread,
 * and a reader's first lookup of a base key caches its entry ({@code putIfAbsent}: never over an
 * entry the writer put). A new key goes into the map before the set and a removed one leaves the
 * set before the map, so a concurrent listing may miss a key added or see one removed at that
 * instant (never acknowledged yet, or acknowledged just now), and a point lookup sees exactly one
 * version. The one write from another thread is the sorted sets' drain of new keys
 * ({@link #drainKeysOn}). The map's values are {@link IndexSlot}s, overwritten in place by the
 * writing thread; what this class hands out are snapshots of them, never the slots.
 */
final class LogIndex {
    private static final int SPACES = RecordDescriptor.SPACE_STAGED + 1;
    /** A key of the base removed since the checkpoint. */
    private static final IndexSlot REMOVED = new IndexSlot();

    /** The keys and entries of one space of one namespace. */
    private final class Space {
        final ConcurrentHashMap<String, IndexSlot> entries = new ConcurrentHashMap<>();
        final KeyTree keys = new KeyTree(drainKeys);
        final CheckpointRun base;
        /** Live keys; written by the index's writing thread only. */
        final AtomicLong live;

        Space(CheckpointRun base) {
            this.base = base;
            this.live = new AtomicLong(base == null ? 0 : base.size());
        }

        /** The base's entry for {@code key}, or {@code null}; {@link CheckpointRun#RELEASED} if its segment went meanwhile. */
        IndexEntry fromBase(String key) {
            if (base == null) {
                return null;
            }
            int slot = base.find(key);
            return slot < 0 ? null : base.entry(slot);
        }

        /** The current entry of {@code key}, or {@code null}; {@code cache}: keep a base entry above the base. */
        IndexEntry get(String key, boolean cache) {
            for (int attempt = 0; ; attempt++) {
                IndexSlot slot = entries.get(key);
                if (slot == null) {
                    IndexEntry e = fromBase(key);
                    if (e == CheckpointRun.RELEASED) {
                        // Compaction moved the version out of that segment and released it: the
                        // map holds the moved entry by now.
                        if (attempt > 0) {
                            throw new IllegalStateException("base entry of " + key + " names a released segment but has no newer entry");
                        }
                        continue;
                    }
                    if (e == null || !cache) {
                        return e;
                    }
                    // Its segment holds live bytes (the base's), so registering it here is safe.
                    IndexSlot mine = new IndexSlot(e, segments.register(e.segment));
                    IndexSlot raced = entries.putIfAbsent(key, mine);
                    slot = raced != null ? raced : mine;
                }
                return slot == REMOVED ? null : slot.snapshot(segments);
            }
        }

        /** Keys in order from {@code key} on: the base's and the set's merged. */
        java.util.Iterator<String> keysFrom(String key, boolean inclusive) {
            java.util.Iterator<String> added = keys.iterator(key, inclusive);
            return base == null ? added : new MergedKeys(base.keysFrom(key, inclusive), added);
        }
    }

    /** Where the sorted sets drain their pending keys ({@link KeyTree#addPending}): inline until {@link #drainKeysOn}. */
    private volatile Executor keyDrainer = Runnable::run;
    private final Executor drainKeys = task -> keyDrainer.execute(task);
    private final ConcurrentHashMap<String, Space[]> namespaces = new ConcurrentHashMap<>();
    private final SegmentTable segments = new SegmentTable();
    private final ConcurrentHashMap<Long, Integer> blobReferences = new ConcurrentHashMap<>();
    /** Live bytes per segment a checkpoint added ({@link #installTotals}), for {@link #discard}. */
    private Map<Segment, Long> baseLiveBytes = Map.of();
    /** The mapped checkpoint under the spaces, if any. */
    private CheckpointRun.Mapping base;
    /** Whether anything was put or removed since the base was installed (written by the writing thread). */
    private boolean changed;

    IndexEntry get(String namespace, byte space, String key) {
        Space[] spaces = namespaces.get(namespace);
        return spaces == null ? null : spaces[space].get(key, true);
    }

    void put(String namespace, byte space, String key, IndexEntry entry) {
        changed = true;
        // Counted before the table holds it, so that no concurrent registration drops it meanwhile.
        counted(entry, 1);
        int segmentId = segments.register(entry.segment);
        Space s = spaces(namespace)[space];
        IndexSlot slot = s.entries.get(key);
        if (slot != null && slot != REMOVED) {
            IndexEntry previous = slot.snapshot(segments);
            slot.overwrite(entry, segmentId);
            superseded(previous, entry); // after the overwrite: a slot's segment always holds live bytes
            return;
        }
        IndexSlot replaced = s.entries.put(key, new IndexSlot(entry, segmentId));
        IndexEntry previous = replaced == null || replaced == REMOVED ? null : replaced.snapshot(segments);
        if (replaced == null) {
            previous = s.fromBase(key);
            if (previous == CheckpointRun.RELEASED) {
                throw new IllegalStateException("base entry of " + key + " names a released segment but has no newer entry");
            }
            if (previous == null) {
                s.live.incrementAndGet();
                s.keys.addPending(key);
                return;
            }
        }
        if (replaced == REMOVED) {
            s.live.incrementAndGet(); // a base key again, listed by the base
        } else {
            superseded(previous, entry);
        }
    }

    /**
     * Has the sorted sets' drains ({@link KeyTree}) run on {@code executor} from now on, off the
     * threads that create keys; a task it rejects leaves the keys to the next listing.
     */
    void drainKeysOn(Executor executor) {
        keyDrainer = executor;
    }

    private Space[] spaces(String namespace) {
        return namespaces.computeIfAbsent(namespace, n -> {
            Space[] spaces = new Space[SPACES];
            for (int i = 0; i < SPACES; i++) {
                spaces[i] = new Space(null);
            }
            return spaces;
        });
    }

    /**
     * {@code previous} is replaced by {@code next} ({@code null}: removed): uncounted, and its record
     * noted for compaction ({@link Segment#superseded(int)}) unless {@code next} is the same record
     * again (a replay re-applies records whose changes the checkpoint already holds).
     */
    private void superseded(IndexEntry previous, IndexEntry next) {
        counted(previous, -1);
        if (next == null || next.segment != previous.segment || next.recordOffset != previous.recordOffset) {
            previous.segment.superseded(previous.recordOffset);
        }
    }

    /** Adds ({@code sign} 1) or removes ({@code -1}) what {@code entry} holds live. */
    private void counted(IndexEntry entry, int sign) {
        entry.segment.addLiveBytes(sign * (long) entry.recordBytes());
        if (entry instanceof BlobEntry) {
            countBlob(((BlobEntry) entry).blobId, sign);
        }
    }

    private void countBlob(long id, int delta) {
        blobReferences.merge(id, delta, (a, b) -> a + b == 0 ? null : a + b);
    }

    /**
     * Takes back what every entry added to segment and blob counts: for an index that is thrown
     * away (a checkpoint read back but not used, whose entries are then not read), since the
     * counts live in shared segments.
     */
    void discard() {
        if (changed) {
            forEach((namespace, space, key, entry) -> counted(entry, -1));
        } else {
            baseLiveBytes.forEach((segment, bytes) -> segment.addLiveBytes(-bytes));
        }
        baseLiveBytes = Map.of();
        namespaces.clear();
        blobReferences.clear();
        close();
    }

    /**
     * Releases the checkpoint mapping under the index (once no reader is inside it): for the
     * store's close. Lookups that would need it then throw {@link dev.stowage.ClosedException}.
     */
    void close() {
        CheckpointRun.Mapping mapping = base;
        base = null;
        if (mapping != null) {
            mapping.release();
        }
    }

    /** Entries that reference blob {@code id}; 0 once no current version needs its file. */
    int blobReferences(long id) {
        return blobReferences.getOrDefault(id, 0);
    }

    /** Installs a checkpoint's run as the base of a space, which must be untouched (loading a checkpoint). */
    void install(String namespace, byte space, CheckpointRun run) {
        spaces(namespace)[space] = new Space(run);
    }

    /**
     * Adds the totals of the installed checkpoint (live bytes per segment, references per blob),
     * and takes over the mapping's reference, dropped by {@link #close}.
     */
    void installTotals(Map<Segment, Long> liveBytes, Map<Long, Integer> references, CheckpointRun.Mapping mapping) {
        this.base = mapping;
        liveBytes.forEach((segment, bytes) -> segment.addLiveBytes(bytes));
        baseLiveBytes = liveBytes;
        references.forEach(this::countBlob);
    }

    void remove(String namespace, byte space, String key) {
        Space[] spaces = namespaces.get(namespace);
        if (spaces == null) {
            return;
        }
        changed = true;
        Space s = spaces[space];
        boolean listed = s.keys.remove(key);
        IndexEntry previous;
        int slot = s.base == null ? -1 : s.base.find(key);
        if (slot >= 0) {
            IndexSlot replaced = s.entries.put(key, REMOVED);
            previous = replaced == null ? s.base.entry(slot) : replaced == REMOVED ? null : replaced.snapshot(segments);
        } else {
            IndexSlot removed = listed ? s.entries.remove(key) : null;
            previous = removed == null ? null : removed.snapshot(segments);
        }
        if (previous != null && previous != CheckpointRun.RELEASED) {
            superseded(previous, null);
            s.live.decrementAndGet();
        }
    }

    /** One page of a listing, as {@code mapper(key, entry)} results. */
    <T> Page<T> list(String namespace, byte space, ListRequest request, BiFunction<String, IndexEntry, T> mapper) {
        Space[] spaces = namespaces.get(namespace);
        if (spaces == null) {
            return new Page<>(List.of(), false, null);
        }
        Space s = spaces[space];
        return Listings.page(s::keysFrom, request, key -> {
            IndexEntry entry = s.get(key, false);
            return entry == null ? null : mapper.apply(key, entry);
        });
    }

    /** Namespaces with at least one user-visible or staged entry, in key order. */
    List<String> namespaces() {
        List<String> names = new ArrayList<>();
        namespaces.forEach((name, spaces) -> {
            for (Space s : spaces) {
                if (s.live.get() > 0) {
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

    /** Visits every entry, each space's keys in {@link Names#KEY_ORDER}; base entries are read, not cached. */
    void forEach(EntryVisitor visitor) {
        walk((namespace, space, s, key, entry, slot) -> {
            IndexEntry current = entry != null ? entry : s.get(key, false);
            if (current != null) {
                visitor.visit(namespace, space, key, current);
            }
        });
    }

    /** What {@link #forEachVersion} passes as the blob id of an inline value. */
    static final long NO_BLOB = -1;

    /** Visits current versions as a checkpoint records them. */
    interface VersionVisitor {
        /** {@code blobId}: the blob holding the value, or {@link #NO_BLOB}. */
        void visit(String namespace, byte space, String key, long segmentId, int recordOffset, int recordBytes, long blobId);
    }

    /**
     * Visits every current version as {@link #forEach} does, but a key still as the base holds it
     * comes from the base alone: writing a checkpoint after an open reads no record of the keys
     * that did not change since.
     */
    void forEachVersion(VersionVisitor visitor) {
        walk((namespace, space, s, key, entry, slot) -> {
            if (entry != null) {
                visitor.visit(namespace, space, key, entry.segment.id(), entry.recordOffset, entry.recordBytes(),
                    entry instanceof BlobEntry ? ((BlobEntry) entry).blobId : NO_BLOB);
            } else {
                s.base.visitVersion(slot, namespace, key, visitor);
            }
        });
    }

    /** A key of a walk: its entry above the base, or ({@code entry == null}) its slot in the base. */
    private interface KeyVisitor {
        void visit(String namespace, byte space, Space s, String key, IndexEntry entry, int slot);
    }

    /** Walks each space's live keys in order, merging the base's slots with the keys added above it. */
    private void walk(KeyVisitor visitor) {
        namespaces.forEach((namespace, spaces) -> {
            for (int space = 0; space < SPACES; space++) {
                byte code = (byte) space;
                Space s = spaces[space];
                java.util.Iterator<String> added = s.keys.iterator();
                String nextAdded = added.hasNext() ? added.next() : null;
                int slots = s.base == null ? 0 : s.base.size();
                int slot = 0;
                String nextBase = slots > 0 ? s.base.keyOf(0) : null;
                while (nextBase != null || nextAdded != null) {
                    int c = nextBase == null ? 1 : nextAdded == null ? -1 : Names.KEY_ORDER.compare(nextBase, nextAdded);
                    String key = c <= 0 ? nextBase : nextAdded;
                    IndexSlot entry = s.entries.get(key);
                    if (entry != REMOVED && (entry != null || c <= 0)) {
                        visitor.visit(namespace, code, s, key, entry == null ? null : entry.snapshot(segments), slot);
                    }
                    if (c <= 0) {
                        slot++;
                        nextBase = slot < slots ? s.base.keyOf(slot) : null;
                    }
                    if (c >= 0) {
                        nextAdded = added.hasNext() ? added.next() : null;
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
                n += s.live.get();
            }
            counts.put(namespace, n);
        });
        return counts;
    }

    /**
     * Segments by id, for {@link IndexSlot}s, which name their segment by id. It holds every segment
     * a slot names: a version is counted live in its segment before its segment is registered and
     * before a slot names it, and uncounted only once no slot names it; a registration drops the
     * segments that hold no live bytes (so none is named), which keeps the table to the live log.
     *
     * <p>Thread-safety: {@link #get} lock-free by any thread; {@link #register} by any thread (the
     * writing thread, and readers caching a base entry), additions under the table's lock.
     */
    static final class SegmentTable {
        private record View(long firstId, Segment[] byId) {
        }

        private volatile View view = new View(0, new Segment[0]);

        /** The registered segment {@code id}, or {@code null}. */
        Segment get(int id) {
            View v = view;
            long i = id - v.firstId;
            return i >= 0 && i < v.byId.length ? v.byId[(int) i] : null;
        }

        /** The id a slot stores for {@code segment}, registered if it is not yet; it must hold live bytes. */
        int register(Segment segment) {
            int id = Math.toIntExact(segment.id());
            if (get(id) != segment) {
                add(segment);
            }
            return id;
        }

        private synchronized void add(Segment segment) {
            List<Segment> kept = new ArrayList<>();
            kept.add(segment);
            long first = segment.id();
            long last = segment.id();
            for (Segment s : view.byId) {
                if (s == null || s == segment || s.liveBytes() == 0) {
                    continue;
                }
                if (s.id() == segment.id()) {
                    throw new IllegalStateException(s + " and " + segment + " share an id and both hold live bytes");
                }
                kept.add(s);
                first = Math.min(first, s.id());
                last = Math.max(last, s.id());
            }
            Segment[] byId = new Segment[Math.toIntExact(last - first + 1)];
            for (Segment s : kept) {
                byId[(int) (s.id() - first)] = s;
            }
            view = new View(first, byId);
        }
    }

    /** Two ascending key sequences as one, a key in both once. */
    private static final class MergedKeys implements java.util.Iterator<String> {
        private final java.util.Iterator<String> a;
        private final java.util.Iterator<String> b;
        private String nextA;
        private String nextB;

        MergedKeys(java.util.Iterator<String> a, java.util.Iterator<String> b) {
            this.a = a;
            this.b = b;
            this.nextA = a.hasNext() ? a.next() : null;
            this.nextB = b.hasNext() ? b.next() : null;
        }

        @Override
        public boolean hasNext() {
            return nextA != null || nextB != null;
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            int c = nextA == null ? 1 : nextB == null ? -1 : Names.KEY_ORDER.compare(nextA, nextB);
            String key = c <= 0 ? nextA : nextB;
            if (c <= 0) {
                nextA = a.hasNext() ? a.next() : null;
            }
            if (c >= 0) {
                nextB = b.hasNext() ? b.next() : null;
            }
            return key;
        }
    }
}
