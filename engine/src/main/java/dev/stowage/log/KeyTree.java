package dev.stowage.log;

import dev.stowage.Names;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The keys of one index space in {@link Names#KEY_ORDER}: a B+tree written by one thread and read
 * lock-free by any number, for prefix listing.
 *
 * <p>Why not a {@link java.util.concurrent.ConcurrentSkipListMap}: inserting into a skip list of a
 * million keys took 3-4 µs here, nearly all of it cache misses (some forty nodes, keys and key
 * arrays scattered over the heap), and the writer thread pays it for every new key. Here a lookup
 * binary-searches a few contiguous arrays, and each key's first {@value #PREFIX_BYTES} UTF-8 bytes
 * sit beside its reference as a {@code long} ({@link #prefix}), so most comparisons never touch
 * the key itself. A key costs 12 bytes of leaf slots (reference + prefix) at 50-100 % occupancy,
 * where the skip list spent a 24-byte node and a share of its index nodes.
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
 * <p>Thread-safety: {@link #add} and {@link #remove} are serialized by the tree's monitor (the
 * index is written by the thread publishing batches while the writer thread lists new keys ahead;
 * the lock is uncontended otherwise); {@link #contains} and {@link #iterator} are lock-free, from
 * any thread.
 */
final class KeyTree implements Iterable<String> {
    /** Most entries (keys of a leaf, children of an inner node) one node holds. */
    static final int NODE_CAPACITY = 64;
    /** Entries per node of a tree built from sorted keys: room for inserts before the first split. */
    static final int BUILD_FILL = NODE_CAPACITY * 3 / 4;
    /** Leading UTF-8 bytes of a key kept beside it as a comparable {@code long}. */
    static final int PREFIX_BYTES = Long.BYTES;
    private static final int MERGE_BELOW = NODE_CAPACITY / 4;
    private static final int MAX_DEPTH = 16;
    private static final VarHandle CHILD = MethodHandles.arrayElementVarHandle(Node[].class);
    private static final Leaf EMPTY = new Leaf(new String[0], new long[0]);

    private abstract static class Node {
    }

    /** Keys in order with their prefixes; immutable. */
    private static final class Leaf extends Node {
        final String[] keys;
        final long[] prefixes;

        Leaf(String[] keys, long[] prefixes) {
            this.keys = keys;
            this.prefixes = prefixes;
        }
    }

    /**
     * {@code children.length == separators.length + 1}; child {@code i} holds the keys {@code k}
     * with {@code separators[i - 1] <= k < separators[i]}. Separators are immutable; a child slot
     * is replaced in place (release store) when the child is copied.
     */
    private static final class Inner extends Node {
        final String[] separators;
        final long[] prefixes;
        final Node[] children;

        Inner(String[] separators, long[] prefixes, Node[] children) {
            this.separators = separators;
            this.prefixes = prefixes;
            this.children = children;
        }

        Node child(int i) {
            return (Node) CHILD.getAcquire(children, i);
        }
    }

    private volatile Node root = EMPTY;
    /** Of the thread in {@link #add} or {@link #remove}: the inner nodes and child positions of its descent, root first. */
    private final Inner[] path = new Inner[MAX_DEPTH];
    private final int[] slots = new int[MAX_DEPTH];

    KeyTree() {
    }

    /** A tree of {@code sortedKeys}, which must be strictly ascending in {@link Names#KEY_ORDER}; linear time. */
    static KeyTree ofSorted(List<String> sortedKeys) {
        KeyTree tree = new KeyTree();
        int n = sortedKeys.size();
        if (n == 0) {
            return tree;
        }
        int count = (n + BUILD_FILL - 1) / BUILD_FILL;
        Node[] level = new Node[count];
        String[] lowest = new String[count];
        for (int i = 0, from = 0; i < count; i++) {
            int to = from + (n - from) / (count - i);
            String[] keys = sortedKeys.subList(from, to).toArray(new String[0]);
            level[i] = new Leaf(keys, prefixes(keys));
            lowest[i] = keys[0];
            from = to;
        }
        while (level.length > 1) {
            int parents = (level.length + BUILD_FILL - 1) / BUILD_FILL;
            Node[] up = new Node[parents];
            String[] upLowest = new String[parents];
            for (int i = 0, from = 0; i < parents; i++) {
                int to = from + (level.length - from) / (parents - i);
                String[] separators = Arrays.copyOfRange(lowest, from + 1, to);
                up[i] = new Inner(separators, prefixes(separators), Arrays.copyOfRange(level, from, to));
                upLowest[i] = lowest[from];
                from = to;
            }
            level = up;
            lowest = upLowest;
        }
        tree.root = level[0];
        return tree;
    }

    /**
     * The first {@value #PREFIX_BYTES} bytes of {@code key}'s UTF-8 encoding as an unsigned
     * big-endian number, zero-padded: {@code prefix(a) < prefix(b)} (unsigned) implies {@code a}
     * sorts before {@code b}; equal prefixes decide nothing.
     */
    static long prefix(String key) {
        long prefix = 0;
        int bytes = 0;
        for (int i = 0; i < key.length() && bytes < PREFIX_BYTES; i++) {
            int c = key.charAt(i);
            if (c < 0x80) {
                prefix = prefix << 8 | c;
                bytes++;
                continue;
            }
            int encoded;
            int length;
            if (c < 0x800) {
                encoded = 0xC0 | c >>> 6;
                encoded = encoded << 8 | 0x80 | c & 0x3F;
                length = 2;
            } else if (Character.isHighSurrogate((char) c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                int cp = Character.toCodePoint((char) c, key.charAt(++i));
                encoded = (0xF0 | cp >>> 18) << 24 | (0x80 | cp >>> 12 & 0x3F) << 16 | (0x80 | cp >>> 6 & 0x3F) << 8 | 0x80 | cp & 0x3F;
                length = 4;
            } else {
                encoded = (0xE0 | c >>> 12) << 16 | (0x80 | c >>> 6 & 0x3F) << 8 | 0x80 | c & 0x3F;
                length = 3;
            }
            for (int b = length - 1; b >= 0 && bytes < PREFIX_BYTES; b--) {
                prefix = prefix << 8 | (encoded >>> (8 * b) & 0xFF);
                bytes++;
            }
        }
        return prefix << (8 * (PREFIX_BYTES - bytes));
    }

    private static long[] prefixes(String[] keys) {
        long[] prefixes = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            prefixes[i] = prefix(keys[i]);
        }
        return prefixes;
    }

    private static int compare(long prefixA, String a, long prefixB, String b) {
        int c = Long.compareUnsigned(prefixA, prefixB);
        return c != 0 ? c : Names.KEY_ORDER.compare(a, b);
    }

    /** Position of {@code key} in {@code keys}, or {@code -(insertion point) - 1}. */
    private static int search(String[] keys, long[] prefixes, int length, String key, long prefix) {
        int low = 0;
        int high = length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            int c = compare(prefixes[mid], keys[mid], prefix, key);
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

    /** The child of {@code inner} whose range holds {@code key}. */
    private static int childIndex(Inner inner, String key, long prefix) {
        int at = search(inner.separators, inner.prefixes, inner.separators.length, key, prefix);
        return at >= 0 ? at + 1 : -at - 1;
    }

    boolean contains(String key) {
        long prefix = prefix(key);
        Node node = root;
        while (node instanceof Inner) {
            Inner inner = (Inner) node;
            node = inner.child(childIndex(inner, key, prefix));
        }
        Leaf leaf = (Leaf) node;
        return search(leaf.keys, leaf.prefixes, leaf.keys.length, key, prefix) >= 0;
    }

    /** Descends to the leaf whose range holds {@code key}, recording the path; returns its depth. */
    private int descend(String key, long prefix) {
        Node node = root;
        int depth = 0;
        while (node instanceof Inner) {
            Inner inner = (Inner) node;
            int slot = childIndex(inner, key, prefix);
            path[depth] = inner;
            slots[depth++] = slot;
            node = inner.children[slot];
        }
        return depth;
    }

    private Leaf leafAt(int depth) {
        return (Leaf) (depth == 0 ? root : path[depth - 1].children[slots[depth - 1]]);
    }

    /** Adds {@code key}; false if it was present. */
    synchronized boolean add(String key) {
        long prefix = prefix(key);
        int depth = descend(key, prefix);
        Leaf leaf = leafAt(depth);
        int at = search(leaf.keys, leaf.prefixes, leaf.keys.length, key, prefix);
        if (at >= 0) {
            return false;
        }
        at = -at - 1;
        int n = leaf.keys.length;
        String[] keys = insert(leaf.keys, at, key);
        long[] prefixes = insert(leaf.prefixes, at, prefix);
        if (n < NODE_CAPACITY) {
            replace(depth, new Leaf(keys, prefixes));
            return true;
        }
        int half = (n + 1) / 2;
        Node left = new Leaf(Arrays.copyOf(keys, half), Arrays.copyOf(prefixes, half));
        Node right = new Leaf(Arrays.copyOfRange(keys, half, n + 1), Arrays.copyOfRange(prefixes, half, n + 1));
        String separator = keys[half];
        long separatorPrefix = prefixes[half];
        // Insert (separator, right) after left into the parents, splitting them as needed.
        for (int d = depth - 1; d >= 0; d--) {
            Inner parent = path[d];
            int slot = slots[d];
            String[] separators = insert(parent.separators, slot, separator);
            long[] separatorPrefixes = insert(parent.prefixes, slot, separatorPrefix);
            Node[] children = insert(parent.children, slot + 1, right);
            children[slot] = left;
            if (children.length <= NODE_CAPACITY) {
                replace(d, new Inner(separators, separatorPrefixes, children));
                return true;
            }
            int keep = children.length / 2;
            left = new Inner(Arrays.copyOf(separators, keep - 1), Arrays.copyOf(separatorPrefixes, keep - 1),
                Arrays.copyOf(children, keep));
            right = new Inner(Arrays.copyOfRange(separators, keep, separators.length),
                Arrays.copyOfRange(separatorPrefixes, keep, separators.length), Arrays.copyOfRange(children, keep, children.length));
            separator = separators[keep - 1];
            separatorPrefix = separatorPrefixes[keep - 1];
        }
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("key tree deeper than " + MAX_DEPTH);
        }
        root = new Inner(new String[] {separator}, new long[] {separatorPrefix}, new Node[] {left, right});
        return true;
    }

    /** Removes {@code key}; false if it was absent. */
    synchronized boolean remove(String key) {
        long prefix = prefix(key);
        int depth = descend(key, prefix);
        Leaf leaf = leafAt(depth);
        int at = search(leaf.keys, leaf.prefixes, leaf.keys.length, key, prefix);
        if (at < 0) {
            return false;
        }
        String[] keys = delete(leaf.keys, at);
        long[] prefixes = delete(leaf.prefixes, at);
        if (depth == 0) {
            root = new Leaf(keys, prefixes);
            return true;
        }
        Inner parent = path[depth - 1];
        int slot = slots[depth - 1];
        if (keys.length == 0) {
            dropChild(depth - 1);
        } else if (keys.length < MERGE_BELOW && parent.children.length > 1) {
            int left = slot > 0 ? slot - 1 : slot;
            Leaf a = left == slot ? new Leaf(keys, prefixes) : (Leaf) parent.children[left];
            Leaf b = left == slot ? (Leaf) parent.children[slot + 1] : new Leaf(keys, prefixes);
            if (a.keys.length + b.keys.length <= NODE_CAPACITY / 2) {
                Leaf merged = new Leaf(concat(a.keys, b.keys), concat(a.prefixes, b.prefixes));
                Node[] children = delete(parent.children, left + 1);
                children[left] = merged;
                replace(depth - 1, new Inner(delete(parent.separators, left), delete(parent.prefixes, left), children));
            } else {
                replace(depth, new Leaf(keys, prefixes));
            }
        } else {
            replace(depth, new Leaf(keys, prefixes));
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
                replace(d, new Inner(delete(parent.separators, separator), delete(parent.prefixes, separator),
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
    // the prefixes (a primitive array cannot share the generic code without boxing).

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
        return new Cursor(root, null, true);
    }

    /**
     * The keys from {@code from} on ({@code inclusive}) or strictly after it, ascending. Weakly
     * consistent: every key present for the whole iteration is returned once, in order; a key
     * added or removed meanwhile may or may not be. Any thread.
     */
    Iterator<String> iterator(String from, boolean inclusive) {
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
            long prefix = from == null ? 0 : prefix(from);
            Node node = root;
            while (node instanceof Inner) {
                Inner inner = (Inner) node;
                int slot = from == null ? 0 : childIndex(inner, from, prefix);
                inners[depth] = inner;
                at[depth++] = slot;
                node = inner.child(slot);
            }
            leaf = (Leaf) node;
            if (from != null) {
                int found = search(leaf.keys, leaf.prefixes, leaf.keys.length, from, prefix);
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
