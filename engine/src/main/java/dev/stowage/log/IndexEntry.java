package dev.stowage.log;

import dev.stowage.CorruptionException;
import dev.stowage.ObjectAttributes;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One version of a key: where its record lives. Immutable but for {@link #crcUnchecked}, a cached
 * check, so a reader holding one sees a consistent version. The index keeps each key's current
 * version in an {@link IndexSlot} and hands out versions of it ({@link Snapshot}s); the writer
 * builds versions for the records it appends.
 */
class IndexEntry {
    final long lsn;
    final Segment segment;
    /** Where the record starts in {@link #segment} (compaction copies it from there). */
    final int recordOffset;
    final int valueOffset;
    final int valueLength;
    final long timestampMillis;
    final ObjectAttributes attributes;
    /** The document itself for meta entries (served from memory), otherwise {@code null}. */
    final byte[] metaValue;
    /**
     * Whether the record's CRC is still to be checked before its value is first served or copied:
     * set for entries read from a checkpoint (the open scans none of the records it covers), cleared
     * by the first check. Neither final nor volatile: a thread that misses another's clearing only
     * checks the same bytes again.
     */
    boolean crcUnchecked;

    IndexEntry(long lsn, Segment segment, int recordOffset, int valueOffset, int valueLength, long timestampMillis,
               ObjectAttributes attributes, byte[] metaValue) {
        this.lsn = lsn;
        this.segment = segment;
        this.recordOffset = recordOffset;
        this.valueOffset = valueOffset;
        this.valueLength = valueLength;
        this.timestampMillis = timestampMillis;
        this.attributes = attributes;
        this.metaValue = metaValue;
    }

    /** Bytes the record occupies in its segment, alignment padding included. */
    int recordBytes() {
        return (int) RecordDescriptor.align(valueOffset - recordOffset + (long) valueLength);
    }

    /**
     * Checks the record's CRC if it is still {@link #crcUnchecked}; the caller holds the segment
     * (retained, or the writer's own).
     *
     * @throws CorruptionException naming the segment file and the record's offset if it does not match
     */
    void checkCrc() {
        if (crcUnchecked) {
            String problem = RecordCodec.crcProblem(segment.buffer(), recordOffset, segment.crcSeed());
            if (problem != null) {
                throw new CorruptionException(segment.path().toString(), recordOffset, problem);
            }
            crcChecked();
        }
    }

    /** Whether {@code other} is the same version (the same record): for a reader holding an older snapshot. */
    boolean sameVersion(IndexEntry other) {
        return other != null && other.lsn == lsn && other.segment == segment && other.recordOffset == recordOffset;
    }

    /** Notes that the record's CRC check passed. */
    void crcChecked() {
        crcUnchecked = false;
    }

    /** Length of the value the entry stands for (a blob's length for out-of-line values). */
    long size() {
        return valueLength;
    }
}

/**
 * A version read from an {@link IndexSlot}; a passed CRC check is noted in the slot too, so only
 * the first read of a key under a checkpoint pays for it.
 */
final class Snapshot extends IndexEntry {
    private final IndexSlot slot;

    Snapshot(IndexSlot slot, long lsn, Segment segment, int recordOffset, int valueOffset, int valueLength, long timestampMillis,
             ObjectAttributes attributes, byte[] metaValue, boolean crcUnchecked) {
        super(lsn, segment, recordOffset, valueOffset, valueLength, timestampMillis, attributes, metaValue);
        this.crcUnchecked = crcUnchecked;
        this.slot = slot;
    }

    @Override
    void crcChecked() {
        crcUnchecked = false;
        slot.crcChecked();
    }
}

/**
 * An entry whose value lives in a blob file; the record (at {@link #valueOffset}) holds only the
 * reference. Immutable.
 */
final class BlobEntry extends IndexEntry {
    final long blobId;
    final long blobLength;
    final int blobCrc;

    BlobEntry(long lsn, Segment segment, int recordOffset, int referenceOffset, long timestampMillis, ObjectAttributes attributes,
              long blobId, long blobLength, int blobCrc) {
        super(lsn, segment, recordOffset, referenceOffset, RecordDescriptor.BLOB_REFERENCE_LENGTH, timestampMillis, attributes, null);
        this.blobId = blobId;
        this.blobLength = blobLength;
        this.blobCrc = blobCrc;
    }

    @Override
    long size() {
        return blobLength;
    }

    /**
     * The entry for the valid put record at {@code offset} of {@code segment} (replay, or a
     * checkpoint entry read on first use); meta documents are copied out of the segment.
     *
     * @throws CorruptionException if its attributes or blob reference are malformed
     */
    static IndexEntry read(Segment segment, int offset) {
        UnsafeBuffer b = segment.buffer();
        int valueStart = RecordCodec.valueStart(b, offset);
        int valueLength = (int) RecordCodec.valueLength(b, offset);
        int attributesLength = RecordCodec.attributesLength(b, offset);
        ObjectAttributes attributes = RecordCodec.decodeAttributes(b, valueStart - attributesLength, attributesLength);
        if (attributes == null) {
            throw new CorruptionException(segment.path().toString(), offset, "malformed object attributes");
        }
        byte[] meta = null;
        if (RecordCodec.space(b, offset) == RecordDescriptor.SPACE_META) {
            meta = new byte[valueLength];
            b.getBytes(valueStart, meta);
        }
        boolean blob = (RecordCodec.flags(b, offset) & RecordDescriptor.FLAG_BLOB) != 0;
        if (blob && valueLength != RecordDescriptor.BLOB_REFERENCE_LENGTH) {
            throw new CorruptionException(segment.path().toString(), offset, "blob reference of " + valueLength + " bytes");
        }
        return of(blob, RecordCodec.lsn(b, offset), segment, offset, valueStart, valueLength, RecordCodec.timestamp(b, offset),
            attributes, meta);
    }

    /** Builds the right entry for a record's value at {@code valueOffset} of {@code segment}. */
    static IndexEntry of(boolean blob, long lsn, Segment segment, int recordOffset, int valueOffset, int valueLength,
                         long timestampMillis, ObjectAttributes attributes, byte[] metaValue) {
        return of(blob, lsn, segment, recordOffset, valueOffset, valueLength, timestampMillis, attributes, metaValue,
            segment.buffer(), valueOffset);
    }

    /**
     * As above, reading a blob reference from {@code references} at {@code referenceIndex}: where
     * the writer encoded it, which for a positional segment is not the mapping until flushed.
     */
    static IndexEntry of(boolean blob, long lsn, Segment segment, int recordOffset, int valueOffset, int valueLength,
                         long timestampMillis, ObjectAttributes attributes, byte[] metaValue,
                         org.agrona.DirectBuffer references, int referenceIndex) {
        if (!blob) {
            return new IndexEntry(lsn, segment, recordOffset, valueOffset, valueLength, timestampMillis, attributes, metaValue);
        }
        return new BlobEntry(lsn, segment, recordOffset, valueOffset, timestampMillis, attributes,
            references.getLong(referenceIndex + RecordDescriptor.BLOB_ID_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN),
            references.getLong(referenceIndex + RecordDescriptor.BLOB_LENGTH_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN),
            references.getInt(referenceIndex + RecordDescriptor.BLOB_CRC_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN));
    }
}
