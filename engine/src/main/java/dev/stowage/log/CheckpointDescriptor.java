package dev.stowage.log;

/**
 * Layout of a checkpoint file ({@link Checkpoints}), little-endian. The file is the index itself:
 * an open maps it and looks keys up in place ({@link CheckpointRun}), without decoding it.
 *
 * <pre>
 * header, {@link #HEADER_LENGTH} bytes at 0:
 *   0 long  magic               {@link #MAGIC}
 *   8 int   version             {@link #VERSION}
 *  12 int   runs                one per (namespace, space) holding keys
 *  16 long  segment id          the position the checkpoint is complete up to ...
 *  24 long  LSN                 ... its last record's LSN ...
 *  32 int   offset              ... and the offset after it in that segment
 *  36 int   segments            entries of the segment table
 *  40 int   blobs               entries of the blob table
 *  44 int   tables offset       run directory, then segment table, then blob table
 *  48 long  file length
 *  56 int   fingerprint         CRC32C of the {@link #FINGERPRINT_BYTES} (or fewer) segment bytes
 *                               before the position, 0 at a segment's start (see {@link #fingerprint})
 *  60 int   CRC32C              of bytes [64, file length), then of header bytes [0, 60)
 *
 * a run's entries, in key order ({@link dev.stowage.Names#KEY_ORDER}), each 8-aligned:
 *   0 int   segment             index into the segment table
 *   4 int   record offset       of the key's current version in that segment
 *   8 int   record bytes        the record's length, padding included (live-byte accounting)
 *  12 short key length          UTF-8 bytes, unsigned
 *  14 byte  flags               {@link #ENTRY_BLOB}
 *  15 byte  reserved (0)
 *  16 ...   key (UTF-8)
 *  then, for {@link #ENTRY_BLOB} entries, at the next 8-byte boundary: long blob id
 * then the run's namespace (UTF-8), its slots (int per entry: the entry's file offset, in key
 * order, so that entry i is found in constant time) and its hash buckets (long each:
 * {@code String.hashCode} of the key in the high half, slot index + 1 in the low half, 0 =
 * empty; linear probing from the bucket {@link #bucket} names), each 8-aligned.
 *
 * run directory entry, {@link #RUN_LENGTH} bytes:
 *   0 int namespace offset, 4 int namespace length, 8 int space, 12 int entries,
 *  16 int slots offset, 20 int buckets offset, 24 int buckets (a power of two), 28 reserved
 * segment table entry, {@link #TABLE_ENTRY_LENGTH} bytes: long segment id, long live record bytes
 * blob table entry, {@link #TABLE_ENTRY_LENGTH} bytes: long blob id, long references
 * </pre>
 *
 * The tables carry what the index otherwise counts entry by entry (each segment's live bytes for
 * compaction, each blob's references), so an open reads none of the entries; and an entry holds
 * all the next checkpoint needs of it, so writing one reads no record either.
 */
final class CheckpointDescriptor {
    static final long MAGIC = 0x53544F57434B5033L;
    /** Version 3: the mapped, hashed layout; older checkpoints are rejected (the log is replayed). */
    static final int VERSION = 3;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int RUNS_OFFSET = 12;
    static final int SEGMENT_ID_OFFSET = 16;
    static final int LSN_OFFSET = 24;
    static final int POSITION_OFFSET = 32;
    static final int SEGMENTS_OFFSET = 36;
    static final int BLOBS_OFFSET = 40;
    static final int TABLES_OFFSET = 44;
    static final int FILE_LENGTH_OFFSET = 48;
    static final int FINGERPRINT_OFFSET = 56;
    static final int CRC_OFFSET = 60;
    static final int HEADER_LENGTH = 64;

    static final int ENTRY_SEGMENT_OFFSET = 0;
    static final int ENTRY_RECORD_OFFSET = 4;
    static final int ENTRY_RECORD_BYTES_OFFSET = 8;
    static final int ENTRY_KEY_LENGTH_OFFSET = 12;
    static final int ENTRY_FLAGS_OFFSET = 14;
    static final int ENTRY_KEY_OFFSET = 16;
    /** Entry flag: the record's value is a blob reference. */
    static final byte ENTRY_BLOB = 1;

    static final int RUN_NAMESPACE_OFFSET = 0;
    static final int RUN_NAMESPACE_LENGTH_OFFSET = 4;
    static final int RUN_SPACE_OFFSET = 8;
    static final int RUN_ENTRIES_OFFSET = 12;
    static final int RUN_SLOTS_OFFSET = 16;
    static final int RUN_BUCKETS_OFFSET = 20;
    static final int RUN_BUCKET_COUNT_OFFSET = 24;
    static final int RUN_LENGTH = 32;

    static final int TABLE_ENTRY_LENGTH = 16;

    /** Segment bytes before a checkpoint's position that its fingerprint covers. */
    static final int FINGERPRINT_BYTES = 4096;

    private CheckpointDescriptor() {
    }

    /**
     * CRC32C of the bytes of {@code segment} before {@code offset} (at most
     * {@link #FINGERPRINT_BYTES}): the records a checkpoint was taken after. An open compares it
     * with the log's bytes instead of walking every record up to the position: a log cut short, or
     * one that went on differently (a copy of an older state), shows other bytes there.
     */
    static int fingerprint(Segment segment, int offset) {
        int from = Math.max(0, offset - FINGERPRINT_BYTES);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(segment.slice(from, offset - from));
        return (int) crc.getValue();
    }

    /** Bytes of an entry with a key of {@code keyLength} UTF-8 bytes. */
    static int entryLength(int keyLength, boolean blob) {
        return blobIdOffset(keyLength) + (blob ? Long.BYTES : 0);
    }

    /** Where a blob entry's blob id starts, from the entry's start. */
    static int blobIdOffset(int keyLength) {
        return (int) RecordDescriptor.align(ENTRY_KEY_OFFSET + keyLength);
    }

    /** Buckets for {@code entries}: a power of two at least twice as many (probes stay short). */
    static int buckets(int entries) {
        return Math.max(2, Integer.highestOneBit(Math.max(1, entries) * 2 - 1) << 1);
    }

    /** The first bucket to probe for a key of hash {@code hash} (Fibonacci hashing: the high bits of a multiply). */
    static int bucket(int hash, int buckets) {
        return (hash * 0x9E3779B9) >>> (32 - Integer.numberOfTrailingZeros(buckets));
    }

    /** A bucket's content. */
    static long bucketValue(int hash, int slot) {
        return ((long) hash << 32) | (slot + 1L);
    }
}
