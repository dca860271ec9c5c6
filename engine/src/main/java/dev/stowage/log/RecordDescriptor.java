package dev.stowage.log;

/**
 * Layout of one log record, little-endian, starting on an 8-byte boundary of a segment.
 *
 * <pre>
 *   0  int   frame length      header + namespace + key + attributes + value, unpadded; 0 = no more records
 *   4  int   CRC32C            over the segment's seed (8 bytes) and bytes [0, 4) and [8, frame length)
 *   8  byte  version           {@link #VERSION}
 *   9  byte  type              {@link #TYPE_PUT}, {@link #TYPE_DELETE}, {@link #TYPE_COMMIT}
 *  10  byte  space             {@link #SPACE_META} .. {@link #SPACE_STAGED}
 *  11  byte  flags             {@link #FLAG_GROUPED}, {@link #FLAG_BLOB}, {@link #FLAG_COPIED}
 *  12  short namespace length  UTF-8 bytes
 *  14  short key length        UTF-8 bytes
 *  16  long  LSN               log sequence number, strictly increasing
 *  24  long  timestamp         epoch milliseconds when the writer accepted the record
 *  32  int   writer epoch      of the writer that appended it
 *  36  int   attributes length content type and descriptor of objects ({@link RecordCodec}), else 0
 *  40  long  value length
 *  48  ...   namespace, key, attributes, value
 * </pre>
 *
 * The next record starts at {@link #align(long)} of this one's end. A record counts only when its
 * whole frame is present and its CRC matches. The CRC's seed ({@link RecordCodec#seed}) is the
 * store's secret record seed mixed with the segment's id, so a record is valid only in the segment
 * it was written to: the old records of a recycled segment file, and record images inside values,
 * never pass. Records flagged {@link #FLAG_GROUPED} take effect only when the
 * {@link #TYPE_COMMIT} record that follows them is present (atomic groups such as promote).
 *
 * <p><b>End mark</b>: the {@link #END_MARK_LENGTH} bytes after the last record of the log are
 * zero, written with that record and synced with it, so the log ends where a frame length and the
 * header around it are zero, even in a recycled segment file whose later bytes are left from its
 * earlier use. A writer writes a record's header first and its frame length last: a non-zero byte
 * in the end mark is a record whose write was cut short.
 *
 * <p>LSNs of ordinary records are consecutive across the whole log. A record flagged
 * {@link #FLAG_COPIED} is a live version that compaction copied forward out of an older segment:
 * it keeps its original LSN and timestamp (so its ETag survives), stands outside the consecutive
 * sequence, and is stamped with the epoch of the writer that copied it.
 */
public final class RecordDescriptor {
    public static final int FRAME_LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int VERSION_OFFSET = 8;
    public static final int TYPE_OFFSET = 9;
    public static final int SPACE_OFFSET = 10;
    public static final int FLAGS_OFFSET = 11;
    public static final int NAMESPACE_LENGTH_OFFSET = 12;
    public static final int KEY_LENGTH_OFFSET = 14;
    public static final int LSN_OFFSET = 16;
    public static final int TIMESTAMP_OFFSET = 24;
    public static final int EPOCH_OFFSET = 32;
    public static final int ATTRIBUTES_LENGTH_OFFSET = 36;
    public static final int VALUE_LENGTH_OFFSET = 40;
    public static final int HEADER_LENGTH = 48;

    /** Zero bytes after the last record: one header's worth (see the class comment). */
    public static final int END_MARK_LENGTH = HEADER_LENGTH;

    /** Records start on multiples of this. */
    public static final int ALIGNMENT = 8;

    /** Version 2: CRCs are seeded per segment. */
    public static final byte VERSION = 2;

    public static final byte TYPE_PUT = 1;
    public static final byte TYPE_DELETE = 2;
    /** Ends an atomic group of {@link #FLAG_GROUPED} records. */
    public static final byte TYPE_COMMIT = 3;

    public static final byte SPACE_META = 0;
    public static final byte SPACE_STATE = 1;
    public static final byte SPACE_OBJECT = 2;
    /** Staged payloads, keyed by staging path. */
    public static final byte SPACE_STAGED = 3;

    /** The record belongs to an atomic group that a commit record closes. */
    public static final byte FLAG_GROUPED = 1;
    /**
     * The value is stored out of line in a blob file; the record's value is a blob reference:
     * {@link #BLOB_ID_OFFSET} long id, {@link #BLOB_LENGTH_OFFSET} long length,
     * {@link #BLOB_CRC_OFFSET} int CRC32C of the blob's bytes.
     */
    public static final byte FLAG_BLOB = 2;
    /** A copy made by compaction: original LSN and timestamp, outside the consecutive LSN sequence. */
    public static final byte FLAG_COPIED = 4;

    public static final int BLOB_ID_OFFSET = 0;
    public static final int BLOB_LENGTH_OFFSET = 8;
    public static final int BLOB_CRC_OFFSET = 16;
    /** Length of a blob reference (padded to the alignment). */
    public static final int BLOB_REFERENCE_LENGTH = 24;

    private RecordDescriptor() {
    }

    /** Rounds {@code length} up to the record alignment. */
    public static long align(long length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Frame length of a record with these part lengths. */
    public static long frameLength(int namespaceLength, int keyLength, int attributesLength, long valueLength) {
        return HEADER_LENGTH + namespaceLength + keyLength + attributesLength + valueLength;
    }
}
