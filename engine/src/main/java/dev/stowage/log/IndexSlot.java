package dev.stowage.log;

import dev.stowage.ObjectAttributes;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * The index's record of one key's current version ({@link LogIndex}), overwritten in place as the
 * key is rewritten and read through {@link #snapshot}, which hands out an immutable
 * {@link IndexEntry}.
 *
 * <p>Why in place, and why the segment by id: with an object per version, every overwrite stored
 * a reference to a new object into a long-lived one. On G1 each such store dirties a card, which a
 * concurrent refinement thread then scans (about one card per write: half a core at 150 K
 * writes/s), every young pause scans what is left, and the new versions are copied between
 * survivor spaces until they die or are promoted (young pauses of 50-100 ms with a million keys on
 * 2 cores; docs/benchmarks.md, run 16). An overwrite here stores primitives only: the LSN, the
 * segment's id ({@link LogIndex.SegmentTable}), offsets, time. References are stored only when they
 * change: object attributes other than equal ones, a meta document's bytes, a blob entry.
 *
 * <p>Heap cost per key, 64-bit JVM with compressed pointers: this slot 64 bytes (the version object
 * it replaced took 56), its key {@code String} 24 + 16 + key length, in {@link LogIndex} the hash
 * map's node 32 and table slot (4 to 8), the sorted set's leaf slots ({@link KeyTree}: 12 bytes at
 * 50-100 % occupancy) = about 153 bytes + key length (180 bytes measured for 11-character keys,
 * {@code HeapPerKey}); meta documents add their bytes (16 + length). Shared defaults
 * ({@link ObjectAttributes#DEFAULT}) cost nothing per key. A key the store opened with, in its
 * checkpoint ({@link CheckpointRun}), costs none of this until it is first used (then its slot and
 * the map's node), only its share of the mapped checkpoint (about 52 bytes of page cache for
 * 10-byte keys).
 *
 * <p>Thread-safety: {@link #overwrite} by the index's one writing thread at a time; {@link #snapshot}
 * by any thread, lock-free, through a sequence lock: {@link #version} is odd while an overwrite runs,
 * and a snapshot is kept only if the version was even and unchanged across the copy.
 */
final class IndexSlot {
    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(IndexSlot.class, "version", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long lsn;
    private long timestampMillis;
    private int segmentId;
    private int recordOffset;
    private int valueOffset;
    private int valueLength;
    private ObjectAttributes attributes;
    private byte[] metaValue;
    /** The version itself when it is a blob entry (rare, immutable), otherwise {@code null}. */
    private BlobEntry blob;
    /** As {@link IndexEntry#crcUnchecked}; cleared by a snapshot's check too. */
    private boolean crcUnchecked;
    @SuppressWarnings("unused") // through VERSION
    private int version;

    /** A slot that holds no version: a sentinel. */
    IndexSlot() {
    }

    /** A slot holding {@code first}, whose segment the index's {@link LogIndex.SegmentTable} registered as {@code segmentId}. */
    IndexSlot(IndexEntry first, int segmentId) {
        write(first, segmentId);
    }

    /** Makes the slot hold {@code next}; concurrent snapshots see the version before or this one, never a mix. */
    void overwrite(IndexEntry next, int segmentId) {
        int v = version;
        VERSION.setOpaque(this, v + 1);
        VarHandle.storeStoreFence();
        write(next, segmentId);
        VERSION.setRelease(this, v + 2);
    }

    private void write(IndexEntry e, int segmentId) {
        if (e instanceof BlobEntry) {
            blob = (BlobEntry) e;
            return;
        }
        if (blob != null) {
            blob = null;
        }
        lsn = e.lsn;
        timestampMillis = e.timestampMillis;
        this.segmentId = segmentId;
        recordOffset = e.recordOffset;
        valueOffset = e.valueOffset;
        valueLength = e.valueLength;
        if (!Objects.equals(attributes, e.attributes)) {
            attributes = e.attributes;
        }
        if (metaValue != e.metaValue) {
            metaValue = e.metaValue;
        }
        crcUnchecked = e.crcUnchecked;
    }

    /**
     * The version the slot holds, consistent; segments resolved through {@code segments}.
     *
     * @throws IllegalStateException if the slot names a segment the table no longer has (the
     *     index's accounting is broken: a slot's segment always holds its live bytes)
     */
    IndexEntry snapshot(LogIndex.SegmentTable segments) {
        while (true) {
            int v = (int) VERSION.getAcquire(this);
            if ((v & 1) == 0) {
                BlobEntry b = blob;
                IndexEntry copy = b != null ? b : new Snapshot(this, lsn, segments.get(segmentId), recordOffset, valueOffset,
                    valueLength, timestampMillis, attributes, metaValue, crcUnchecked);
                VarHandle.loadLoadFence();
                if ((int) VERSION.getOpaque(this) == v) {
                    if (copy.segment == null) {
                        throw new IllegalStateException("an index slot names segment " + segmentId + ", which holds no live bytes");
                    }
                    return copy;
                }
            }
            Thread.onSpinWait();
        }
    }

    /** Notes a passed CRC check of the version a snapshot was taken of (a later version is checked by construction). */
    void crcChecked() {
        crcUnchecked = false;
    }
}
