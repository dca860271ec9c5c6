package dev.stowage.log;

import dev.stowage.ObjectAttributes;

/**
 * Where the current version of one key lives. Immutable: the writer replaces entries, never
 * changes them, so a reader holding one sees a consistent version.
 *
 * <p>Heap cost per key, 64-bit JVM with compressed pointers: this object 48 bytes, its key
 * {@code String} 24 + 16 + key length, the skip-list node 24 and on average a quarter of an
 * index node (24) = about 120 bytes + key length; meta documents add their bytes (16 + length).
 * Shared defaults ({@link ObjectAttributes#DEFAULT}) cost nothing per key.
 */
final class IndexEntry {
    final long lsn;
    final Segment segment;
    final int valueOffset;
    final int valueLength;
    final long timestampMillis;
    final ObjectAttributes attributes;
    /** The document itself for meta entries (served from memory), otherwise {@code null}. */
    final byte[] metaValue;

    IndexEntry(long lsn, Segment segment, int valueOffset, int valueLength, long timestampMillis,
               ObjectAttributes attributes, byte[] metaValue) {
        this.lsn = lsn;
        this.segment = segment;
        this.valueOffset = valueOffset;
        this.valueLength = valueLength;
        this.timestampMillis = timestampMillis;
        this.attributes = attributes;
        this.metaValue = metaValue;
    }
}
