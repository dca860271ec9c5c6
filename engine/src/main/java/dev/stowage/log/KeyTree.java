package dev.stowage.log;

import dev.stowage.Names;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The keys of one index space in {@link Names#KEY_ORDER}: a B+tree written by one thread at a time and read
 * lock-free by any number, for prefix listing.
 *
 * <p>Why not a {@link java.util.concurrent.ConcurrentSkipListMap}: inserting into a skip list of a
 * million keys took 3-4 µs here, nearly all of it cache misses (some forty nodes, keys and key
 * arrays scattered over the heap), and the writer thread pays it for every new key. Here a lookup
 * binary-searches a few contiguous arrays. Keys in one node share a prefix that grows as nodes
 * narrow (a leaf of {@code key/1234000..key/1234450} shares {@code key/1234}); each node checks it
 * against its first key once, and keeps, beside each key's reference, the next
 * {@value #CHUNK_CODE_POINTS} code points after it as a {@code long} ({@link #chunk}), so most
 * comparisons of a binary search never touch the keys themselves. A key costs 12 bytes of leaf
 * slots (reference + chunk) at 50-100 % occupancy, where the skip list spent a 24-byte node and a
 * share of its index nodes.
 *
 * <p>How readers stay lock-free: leaves are immutable; the writer replaces a changed leaf with a
 * copy and publishes it with one release store into its parent's child slot. An inner node's
 * separators are immutable too; a split or a removed child replaces the inner node (and so on up
 * to the root) by copies built bottom-up and published with one release store. A reader therefore
 * always walks nodes that were current at some instant since it started: a key present for the
 * whole walk is found; a key added or removed meanwhile may or may not be.
 *
 * <p>Balance: nodes split at {@value #NODE_CAPACITY} entries; a leaf that falls below a quarter is
 * merged with a neighbour when both fit in half a node, and an empty child is dropped, so a tree
 * emptied by removals does not keep its old shape (inner nodes are not merged: their number is a
 * sixty-fourth of the leaves').
 *
 * <p>Pending keys: {@link #addPending} only puts a key into a hash set, and a drain moves the set
 * into the tree on the tree's {@code drainer} once {@value #DRAIN_AT} keys wait (or at the next
 * {@link #iterator}). The thread creating keys then pays a hash insertion (about 40 ns), not a
 * descent of cache-missing nodes and a leaf copy (about 0.8 µs per key in a tree of a million
 * random keys here, most of the extra cost of a put that creates a key). The drain does that work
 * instead, plus the set's round trip: some 0.9 µs per key in all, so this moves the cost off the
 * caller rather than cutting it (inserting a drain's keys in key order measured no faster, so they
 * go in as the set yields them). A pending key is in the set at once for
 * {@link #contains}, {@link #remove} and the next {@link #iterator}; a drain adds it to the tree
 * before it leaves the pending set, so a lock-free reader that looks in the pending set first
 * never misses it.
 *
 * <p>Thread-safety: {@link #remove} and drains are serialized by the tree's monitor (removals come
 * from the index's writing thread, drains from the drainer or a listing; the lock is uncontended
 * otherwise); {@link #addPending} and {@link #contains} are lock-free, and {@link #iterator} is too
 * unless keys are pending, which it drains first; all from any thread.
 */
final class KeyTree implements Iterable<String> {
    /** Most entries (keys of a leaf, children of an inner node) one node holds. */
    static final int NODE_CAPACITY = 64;
    /** Code points of a key, after the prefix its node's keys share, kept beside it as a comparable {@code long}. */
    static final int CHUNK_CODE_POINTS = 3;
    private static final int MERGE_BELOW = NODE_CAPACITY / 4;
    private static final int MAX_DEPTH = 16;
    private static final VarHandle CHILD = MethodHandles.arrayElementVarHandle(Node[].class);
    private static final Leaf EMPTY = new Leaf(new String[0], new long[0], 0);
    /** Pending keys ({@link #addPending}) at which a drain is handed to the drainer. */
    static final int DRAIN_AT = 4096;

    /**
     * Keys (a leaf's, or an inner node's separators) in order; all share their first
     * {@code shared} chars, and {@code chunks[i]} is {@link #chunk} of {@code keys[i]} after them.
     * Immutable.
     */
    private abstract static class Node {
        final String[] keys;
        final long[] chunks;
        final int shared;

        Node(String[] keys, long[] chunks, int shared) {
            this.keys = keys;
            this.chunks = chunks;
            this.shared = shared;
        }

        /** Position of {@code key}, or {@code -(insertion point) - 1}. */
        final int search(String key) {
            int n = keys.length;
            if (n == 0) {
                return -1;
            }
            // Every key here starts with keys[0]'s first `shared` chars: a key that does not sorts
            // before or after all of them, whatever follows.
            String first = keys[0];
            for (int i = 0; i < shared; i++) {
                if (i == key.length() || key.charAt(i) != first.charAt(i)) {
                    return Names.KEY_ORDER.compare(key, first) < 0 ? -1 : -(n + 1);
                }
            }
            long chunk = chunk(key, shared);
            int low = 0;
            int high = n - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                int c = Long.compare(chunks[mid], chunk);
                if (c == 0) {
                    c = Names.KEY_ORDER.compare(keys[mid], key);
                }
                if (c < 0) {
                    low = mid + 1;
                } else if (c > 0) {
                    high = mid - 1;
                } else {
                    return mid;
                }
            }
            return -(low + 1);
        }
    }

    /** Keys in order; immutable. */
    private static final class Leaf extends Node {
        Leaf(String[] keys, long[] chunks, int shared) {
            super(keys, chunks, shared);
        }
    }

    /**
     * {@code children.length == keys.length + 1}: the keys are separators, and child {@code i}
     * holds the keys {@code k} with {@code keys[i - 1] <= k < keys[i]}. Separators are immutable;
     * a child slot is replaced in place (release store) when the child is copied.
     */
    private static final class Inner extends Node {
        final Node[] children;

        Inner(String[] separators, long[] chunks, int shared, Node[] children) {
            super(separators, chunks, shared);
            this.children = children;
        }

        Node child(int i) {
            return (Node) CHILD.getAcquire(children, i);
        }

        /** The child whose range holds {@code key}. */
        int childIndex(String key) {
            int at = search(key);
            return at >= 0 ? at + 1 : -at - 1;
        }
    }

    private volatile Node root = EMPTY;
    /** Of the thread in a drain or {@link #remove}: the inner nodes and child positions of its descent, root first. */
    private final Inner[] path = new Inner[MAX_DEPTH];
    private final int[] slots = new int[MAX_DEPTH];

    /** Keys added by {@link #addPending} and not yet in the tree (a key may be in both for an instant, see the class comment). */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    /** Whether a drain was handed to the drainer and has not started yet. */
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private final Executor drainer;

    /** A tree that drains its pending keys on the thread adding them. */
    KeyTree() {
        this(Runnable::run);
    }

    /**
     * @param drainer runs a drain of the pending keys once {@value #DRAIN_AT} wait; if it rejects
     *     the task, the keys wait for the next {@link #iterator}
     */
    KeyTree(Executor drainer) {
        this.drainer = drainer;
    }

    /**
     * The first {@value #CHUNK_CODE_POINTS} code points of {@code key} from char {@code from}, 21
     * bits each, the first highest, zero where the key ends: for two keys that share their first
     * {@code from} chars (and {@code from} does not split a surrogate pair), {@code chunk(a) <
     * chunk(b)} implies {@code a} sorts before {@code b}; equal chunks decide nothing.
     */
    static long chunk(String key, int from) {
        long chunk = 0;
        int i = from;
        for (int n = 0; n < CHUNK_CODE_POINTS; n++) {
            int codePoint = 0;
            if (i < key.length()) {
                codePoint = key.codePointAt(i);
                i += Character.charCount(codePoint);
            }
            chunk = chunk << 21 | codePoint;
        }
        return chunk;
    }

    /** Chars that every key of {@code keys} (ascending) starts with, never ending inside a surrogate pair. */
    private static int sharedLength(String[] keys) {
        if (keys.length == 0) {
            return 0;
        }
        String first = keys[0];
        String last = keys[keys.length - 1];
        int max = Math.min(first.length(), last.length());
        int n = 0;
        while (n < max && first.charAt(n) == last.charAt(n)) {
            n++;
        }
        return n > 0 && Character.isHighSurrogate(first.charAt(n - 1)) ? n - 1 : n;
    }

    /**
     * The chunks of {@code keys} after their shared prefix: {@code chunks} itself when it was
     * computed for a prefix of {@code shared} chars (pass {@code -1} if unknown) and that is still
     * the shared length, else computed afresh (reading every key).
     */
    private static long[] chunks(String[] keys, long[] chunks, int shared, int sharedNow) {
        if (chunks != null && shared == sharedNow) {
            return chunks;
        }
        long[] fresh = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            fresh[i] = chunk(keys[i], sharedNow);
        }
        return fresh;
    }

    private static Leaf leaf(String[] keys, long[] chunks, int shared) {
        int sharedNow = sharedLength(keys);
        return new Leaf(keys, chunks(keys, chunks, shared, sharedNow), sharedNow);
    }

    private static Inner inner(String[] separators, long[] chunks, int shared, Node[] children) {
        int sharedNow = sharedLength(separators);
        return new Inner(separators, chunks(separators, chunks, shared, sharedNow), sharedNow, children);
    }

    boolean contains(String key) {
        if (pending.contains(key)) {
            return true;
        }
        Node node = root;
        while (node instanceof Inner) {
            Inner inner = (Inner) node;
            node = inner.child(inner.childIndex(key));
        }
        return node.search(key) >= 0;
    }

    /** Descends to the leaf whose range holds {@code key}, recording the path; returns its depth. */
    private int descend(String key) {
        Node node = root;
        int depth = 0;
        while (node instanceof Inner) {
            Inner inner = (Inner) node;
            int slot = inner.childIndex(key);
            path[depth] = inner;
            slots[depth++] = slot;
            node = inner.children[slot];
        }
        return depth;
    }

    private Leaf leafAt(int depth) {
        return (Leaf) (depth == 0 ? root : path[depth - 1].children[slots[depth - 1]]);
    }

    /**
     * Adds {@code key} to the pending keys (see the class comment); a key already present stays
     * once. Lock-free.
     */
    void addPending(String key) {
        pending.add(key);
        if (pending.size() >= DRAIN_AT && !drainQueued.get() && drainQueued.compareAndSet(false, true)) {
            try {
                drainer.execute(this::drainPending);
            } catch (RejectedExecutionException e) {
                drainQueued.set(false); // the drainer is stopping: the next iterator drains
            }
        }
    }

    /** Moves the pending keys into the tree. */
    synchronized void drainPending() {
        drainQueued.set(false); // first: a key pending after this point asks for another drain
        if (pending.isEmpty()) {
            return;
        }
        String[] keys = pending.toArray(new String[0]);
        for (String key : keys) {
            insert(key);
        }
        for (String key : keys) {
            pending.remove(key); // only now: a lookup that misses the pending set finds the key in the tree
        }
    }

    private boolean insert(String key) {
        int depth = descend(key);
        Leaf leaf = leafAt(depth);
        int at = leaf.search(key);
        if (at >= 0) {
            return false;
        }
        at = -at - 1;
        int n = leaf.keys.length;
        String[] keys = insert(leaf.keys, at, key);
        long[] chunks = insert(leaf.chunks, at, chunk(key, leaf.shared));
        if (n < NODE_CAPACITY) {
            // A key inserted between the ends shares what both ends share: no key is read again.
            replace(depth, at > 0 && at < n ? new Leaf(keys, chunks, leaf.shared) : leaf(keys, chunks, leaf.shared));
            return true;
        }
        int half = (n + 1) / 2;
        Node left = leaf(Arrays.copyOf(keys, half), Arrays.copyOf(chunks, half), leaf.shared);
        Node right = leaf(Arrays.copyOfRange(keys, half, n + 1), Arrays.copyOfRange(chunks, half, n + 1), leaf.shared);
        String separator = keys[half];
        // Insert (separator, right) after left into the parents, splitting them as needed.
        for (int d = depth - 1; d >= 0; d--) {
            Inner parent = path[d];
            int slot = slots[d];
            int count = parent.keys.length;
            String[] separators = insert(parent.keys, slot, separator);
            long[] separatorChunks = insert(parent.chunks, slot, chunk(separator, parent.shared));
            Node[] children = insert(parent.children, slot + 1, right);
            children[slot] = left;
            if (children.length <= NODE_CAPACITY) {
                replace(d, slot > 0 && slot < count ? new Inner(separators, separatorChunks, parent.shared, children)
                    : inner(separators, separatorChunks, parent.shared, children));
                return true;
            }
            int keep = children.length / 2;
            left = inner(Arrays.copyOf(separators, keep - 1), Arrays.copyOf(separatorChunks, keep - 1), parent.shared,
                Arrays.copyOf(children, keep));
            right = inner(Arrays.copyOfRange(separators, keep, separators.length),
                Arrays.copyOfRange(separatorChunks, keep, separators.length), parent.shared,
                Arrays.copyOfRange(children, keep, children.length));
            separator = separators[keep - 1];
        }
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("key tree deeper than " + MAX_DEPTH);
        }
        root = inner(new String[] {separator}, null, -1, new Node[] {left, right});
        return true;
    }

    /** Removes {@code key}, pending or in the tree; false if it was absent. */
    synchronized boolean remove(String key) {
        return pending.remove(key) | removeFromTree(key);
    }

    private boolean removeFromTree(String key) {
        int depth = descend(key);
        Leaf leaf = leafAt(depth);
        int at = leaf.search(key);
        if (at < 0) {
            return false;
        }
        // The remaining keys still share the prefix: it may have grown, but it is still right.
        Leaf smaller = new Leaf(delete(leaf.keys, at), delete(leaf.chunks, at), leaf.shared);
        if (depth == 0) {
            root = smaller;
            return true;
        }
        Inner parent = path[depth - 1];
        int slot = slots[depth - 1];
        if (smaller.keys.length == 0) {
            dropChild(depth - 1);
        } else if (smaller.keys.length < MERGE_BELOW && parent.children.length > 1) {
            int left = slot > 0 ? slot - 1 : slot;
            Leaf a = left == slot ? smaller : (Leaf) parent.children[left];
            Leaf b = left == slot ? (Leaf) parent.children[slot + 1] : smaller;
            if (a.keys.length + b.keys.length <= NODE_CAPACITY / 2) {
                Node[] children = delete(parent.children, left + 1);
                children[left] = leaf(concat(a.keys, b.keys), a.shared == b.shared ? concat(a.chunks, b.chunks) : null, a.shared);
                replace(depth - 1, new Inner(delete(parent.keys, left), delete(parent.chunks, left), parent.shared, children));
            } else {
                replace(depth, smaller);
            }
        } else {
            replace(depth, smaller);
        }
        collapseRoot();
        return true;
    }

    /** Removes child {@code slots[d]} of {@code path[d]}, and the inner node too if that empties it. */
    private void dropChild(int d) {
        for (; d >= 0; d--) {
            Inner parent = path[d];
            int slot = slots[d];
            if (parent.children.length > 1) {
                int separator = slot > 0 ? slot - 1 : 0;
                replace(d, new Inner(delete(parent.keys, separator), delete(parent.chunks, separator), parent.shared,
                    delete(parent.children, slot)));
                return;
            }
        }
        root = EMPTY;
    }

    /** A root with one child gives way to it. */
    private void collapseRoot() {
        Node r = root;
        while (r instanceof Inner && ((Inner) r).children.length == 1) {
            r = ((Inner) r).children[0];
        }
        if (r != root) {
            root = r;
        }
    }

    /** Publishes {@code node} in place of the node at {@code depth} of the last descent. */
    private void replace(int depth, Node node) {
        if (depth == 0) {
            root = node;
        } else {
            CHILD.setRelease(path[depth - 1].children, slots[depth - 1], node);
        }
    }

    // Copies with one slot added or removed: one generic pair for the reference arrays, one for
    // the chunks (a primitive array cannot share the generic code without boxing).

    private static <T> T[] insert(T[] array, int at, T value) {
        T[] copy = Arrays.copyOf(array, array.length + 1);
        System.arraycopy(array, at, copy, at + 1, array.length - at);
        copy[at] = value;
        return copy;
    }

    private static long[] insert(long[] array, int at, long value) {
        long[] copy = Arrays.copyOf(array, array.length + 1);
        System.arraycopy(array, at, copy, at + 1, array.length - at);
        copy[at] = value;
        return copy;
    }

    private static <T> T[] delete(T[] array, int at) {
        T[] copy = Arrays.copyOf(array, array.length - 1);
        System.arraycopy(array, at + 1, copy, at, copy.length - at);
        return copy;
    }

    private static long[] delete(long[] array, int at) {
        long[] copy = Arrays.copyOf(array, array.length - 1);
        System.arraycopy(array, at + 1, copy, at, copy.length - at);
        return copy;
    }

    private static <T> T[] concat(T[] a, T[] b) {
        T[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private static long[] concat(long[] a, long[] b) {
        long[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** Every key in order; weakly consistent like {@link #iterator(String, boolean)}. */
    @Override
    public Iterator<String> iterator() {
        return iterator(null, true);
    }

    /**
     * The keys from {@code from} on ({@code inclusive}) or strictly after it, ascending. Weakly
     * consistent: every key present for the whole iteration is returned once, in order; a key
     * added or removed meanwhile may or may not be. Any thread; lock-free unless keys are pending,
     * which it drains first (under the tree's monitor).
     */
    Iterator<String> iterator(String from, boolean inclusive) {
        if (!pending.isEmpty()) {
            drainPending();
        }
        return new Cursor(root, from, inclusive);
    }

    /** A position in the tree: the inner nodes walked from the root and the leaf being read. */
    private static final class Cursor implements Iterator<String> {
        private final Inner[] inners = new Inner[MAX_DEPTH];
        private final int[] at = new int[MAX_DEPTH];
        private int depth;
        private Leaf leaf;
        private int index;

        Cursor(Node root, String from, boolean inclusive) {
            Node node = root;
            while (node instanceof Inner) {
                Inner inner = (Inner) node;
                int slot = from == null ? 0 : inner.childIndex(from);
                inners[depth] = inner;
                at[depth++] = slot;
                node = inner.child(slot);
            }
            leaf = (Leaf) node;
            if (from != null) {
                int found = leaf.search(from);
                index = found >= 0 ? (inclusive ? found : found + 1) : -found - 1;
            }
            skipExhausted();
        }

        /** Moves past the end of a read leaf to the first key of the next non-empty one. */
        private void skipExhausted() {
            while (leaf != null && index >= leaf.keys.length) {
                int d = depth - 1;
                while (d >= 0 && at[d] + 1 >= inners[d].children.length) {
                    d--;
                }
                if (d < 0) {
                    leaf = null;
                    return;
                }
                at[d]++;
                Node node = inners[d].child(at[d]);
                depth = d + 1;
                while (node instanceof Inner) {
                    Inner inner = (Inner) node;
                    inners[depth] = inner;
                    at[depth++] = 0;
                    node = inner.child(0);
                }
                leaf = (Leaf) node;
                index = 0;
            }
        }

        @Override
        public boolean hasNext() {
            return leaf != null;
        }

        @Override
        public String next() {
            if (leaf == null) {
                throw new NoSuchElementException();
            }
            String key = leaf.keys[index++];
            skipExhausted();
            return key;
        }
    }
}
