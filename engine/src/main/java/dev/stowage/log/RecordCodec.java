package dev.stowage.log;

import static dev.stowage.log.RecordDescriptor.ATTRIBUTES_LENGTH_OFFSET;
import static dev.stowage.log.RecordDescriptor.CRC_OFFSET;
import static dev.stowage.log.RecordDescriptor.EPOCH_OFFSET;
import static dev.stowage.log.RecordDescriptor.FLAGS_OFFSET;
import static dev.stowage.log.RecordDescriptor.FRAME_LENGTH_OFFSET;
import static dev.stowage.log.RecordDescriptor.HEADER_LENGTH;
import static dev.stowage.log.RecordDescriptor.KEY_LENGTH_OFFSET;
import static dev.stowage.log.RecordDescriptor.LSN_OFFSET;
import static dev.stowage.log.RecordDescriptor.NAMESPACE_LENGTH_OFFSET;
import static dev.stowage.log.RecordDescriptor.SPACE_OFFSET;
import static dev.stowage.log.RecordDescriptor.TIMESTAMP_OFFSET;
import static dev.stowage.log.RecordDescriptor.TYPE_OFFSET;
import static dev.stowage.log.RecordDescriptor.VALUE_LENGTH_OFFSET;
import static dev.stowage.log.RecordDescriptor.VERSION;
import static dev.stowage.log.RecordDescriptor.VERSION_OFFSET;

import dev.stowage.ObjectAttributes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Encodes records into and validates records from segment memory, as {@link RecordDescriptor}
 * lays them out. Every buffer passed in must be an Agrona buffer wrapping a {@link ByteBuffer}
 * ({@code byteBuffer()} not null) so the CRC can run over it without copying.
 *
 * <p>Not thread-safe: one instance per thread (it owns a {@link CRC32C}).
 */
final class RecordCodec {
    private final CRC32C crc = new CRC32C();
    /** The seed and frame length of the record being checksummed, little-endian (see {@link #crcOf}). */
    private final byte[] crcPrefix = new byte[CRC_PREFIX_LENGTH];

    private static final int CRC_PREFIX_LENGTH = Long.BYTES + Integer.BYTES;
    /** Odd, so that multiplying by it maps distinct segment ids to distinct seeds. */
    private static final long SEED_MULTIPLIER = 0x9E3779B97F4A7C15L;

    /**
     * The CRC seed of segment {@code segmentId} in a store whose record seed is {@code recordSeed}
     * ({@link StoreRoot#RECORD_SEED}): distinct for distinct segments of one store.
     */
    static long seed(long recordSeed, long segmentId) {
        return recordSeed ^ (segmentId * SEED_MULTIPLIER);
    }

    /**
     * Writes the header and the namespace, key and attribute bytes of a record at {@code offset};
     * the caller then copies the value to {@code offset + valueOffset(...)} and calls {@link #seal}.
     */
    void writeHeader(MutableDirectBuffer buffer, int offset, byte type, byte space, byte flags, byte[] namespace,
                     byte[] key, byte[] attributes, long lsn, long timestampMillis, int epoch, long valueLength) {
        buffer.putByte(offset + VERSION_OFFSET, VERSION);
        buffer.putByte(offset + TYPE_OFFSET, type);
        buffer.putByte(offset + SPACE_OFFSET, space);
        buffer.putByte(offset + FLAGS_OFFSET, flags);
        buffer.putShort(offset + NAMESPACE_LENGTH_OFFSET, (short) namespace.length, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(offset + KEY_LENGTH_OFFSET, (short) key.length, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + LSN_OFFSET, lsn, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + TIMESTAMP_OFFSET, timestampMillis, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(offset + EPOCH_OFFSET, epoch, ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(offset + ATTRIBUTES_LENGTH_OFFSET, attributes.length, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + VALUE_LENGTH_OFFSET, valueLength, ByteOrder.LITTLE_ENDIAN);
        int at = offset + HEADER_LENGTH;
        buffer.putBytes(at, namespace);
        buffer.putBytes(at + namespace.length, key);
        buffer.putBytes(at + namespace.length + key.length, attributes);
    }

    /** Offset of the value relative to the record start. */
    static int valueOffset(int namespaceLength, int keyLength, int attributesLength) {
        return HEADER_LENGTH + namespaceLength + keyLength + attributesLength;
    }

    /**
     * Computes and stores the CRC, then publishes the frame length last with release semantics,
     * so a concurrent reader never sees a length before the bytes it covers.
     */
    void seal(AtomicBuffer buffer, int offset, int frameLength, long seed) {
        buffer.putInt(offset + CRC_OFFSET, crcOf(crc, crcPrefix, seed, buffer, offset, frameLength), ByteOrder.LITTLE_ENDIAN);
        int littleEndian = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? frameLength : Integer.reverseBytes(frameLength);
        buffer.putIntRelease(offset + FRAME_LENGTH_OFFSET, littleEndian);
    }

    /** CRC32C over the segment's seed, the frame length, and bytes {@code [8, frameLength)} of the record. */
    private static int crcOf(CRC32C crc, byte[] prefix, long seed, DirectBuffer buffer, int offset, int frameLength) {
        for (int i = 0; i < Long.BYTES; i++) {
            prefix[i] = (byte) (seed >>> (i * Byte.SIZE));
        }
        for (int i = 0; i < Integer.BYTES; i++) {
            prefix[Long.BYTES + i] = (byte) (frameLength >>> (i * Byte.SIZE));
        }
        crc.reset();
        crc.update(prefix, 0, CRC_PREFIX_LENGTH);
        ByteBuffer view = buffer.byteBuffer().duplicate();
        int base = (int) (buffer.wrapAdjustment());
        view.limit(base + offset + frameLength).position(base + offset + VERSION_OFFSET);
        crc.update(view);
        return (int) crc.getValue();
    }

    /**
     * Checks the record at {@code offset} of a segment whose CRC seed is {@code seed}, reading
     * nothing at or beyond {@code limit}.
     *
     * @return {@code null} if the record is whole and valid, otherwise why it is not
     */
    String check(DirectBuffer buffer, int offset, int limit, long seed) {
        String problem = frameProblem(buffer, offset, limit);
        if (problem != null) {
            return problem;
        }
        problem = crcProblem(crc, crcPrefix, seed, buffer, offset);
        return problem != null ? problem : partsProblem(buffer, offset);
    }

    /**
     * Checks the CRC alone of a record whose layout passed {@link #layoutProblem}. Thread-safe (a
     * CRC32C of its own): for readers checking a value before they first serve it.
     *
     * @return {@code null} if the CRC matches, otherwise the mismatch
     */
    static String crcProblem(DirectBuffer buffer, int offset, long seed) {
        return crcProblem(new CRC32C(), new byte[CRC_PREFIX_LENGTH], seed, buffer, offset);
    }

    private static String crcProblem(CRC32C crc, byte[] prefix, long seed, DirectBuffer buffer, int offset) {
        int stored = buffer.getInt(offset + CRC_OFFSET, ByteOrder.LITTLE_ENDIAN);
        int computed = crcOf(crc, prefix, seed, buffer, offset, frameLength(buffer, offset));
        return stored == computed ? null : String.format("CRC32C mismatch: stored %08x, computed %08x", stored, computed);
    }

    /**
     * Checks the layout of the record at {@code offset} without its CRC: the frame, the type, the
     * space and the part lengths. After it passes, every field accessor below stays inside the
     * frame. For records that passed {@link #check} once and are read again (a checkpoint's
     * entries, whose segments the open does not scan).
     *
     * @return {@code null} if the layout is consistent, otherwise why it is not
     */
    static String layoutProblem(DirectBuffer buffer, int offset, int limit) {
        String problem = frameProblem(buffer, offset, limit);
        return problem != null ? problem : partsProblem(buffer, offset);
    }

    private static String frameProblem(DirectBuffer buffer, int offset, int limit) {
        if (offset < 0 || offset + HEADER_LENGTH > limit) {
            return "header does not fit before " + limit;
        }
        int frameLength = buffer.getInt(offset + FRAME_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        if (frameLength < HEADER_LENGTH || frameLength > limit - offset) {
            return "frame length " + frameLength + " outside " + HEADER_LENGTH + ".." + (limit - offset);
        }
        if (buffer.getByte(offset + VERSION_OFFSET) != VERSION) {
            return "unknown record version " + buffer.getByte(offset + VERSION_OFFSET);
        }
        return null;
    }

    private static String partsProblem(DirectBuffer buffer, int offset) {
        byte type = buffer.getByte(offset + TYPE_OFFSET);
        if (type != RecordDescriptor.TYPE_PUT && type != RecordDescriptor.TYPE_DELETE && type != RecordDescriptor.TYPE_COMMIT) {
            return "unknown record type " + type;
        }
        byte space = buffer.getByte(offset + SPACE_OFFSET);
        if (space < RecordDescriptor.SPACE_META || space > RecordDescriptor.SPACE_STAGED) {
            return "unknown space " + space;
        }
        int nsLength = Short.toUnsignedInt(buffer.getShort(offset + NAMESPACE_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN));
        int keyLength = Short.toUnsignedInt(buffer.getShort(offset + KEY_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN));
        int attrLength = buffer.getInt(offset + ATTRIBUTES_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        long valueLength = buffer.getLong(offset + VALUE_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
        int frameLength = frameLength(buffer, offset);
        if (attrLength < 0 || valueLength < 0
            || (long) HEADER_LENGTH + nsLength + keyLength + attrLength + valueLength != frameLength) {
            return "part lengths (" + nsLength + ", " + keyLength + ", " + attrLength + ", " + valueLength
                + ") do not add up to frame length " + frameLength;
        }
        return null;
    }

    // ---- field access for a record that passed check() ----

    static int frameLength(DirectBuffer b, int offset) {
        return b.getInt(offset + FRAME_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static byte type(DirectBuffer b, int offset) {
        return b.getByte(offset + TYPE_OFFSET);
    }

    static byte space(DirectBuffer b, int offset) {
        return b.getByte(offset + SPACE_OFFSET);
    }

    static byte flags(DirectBuffer b, int offset) {
        return b.getByte(offset + FLAGS_OFFSET);
    }

    static long lsn(DirectBuffer b, int offset) {
        return b.getLong(offset + LSN_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static long timestamp(DirectBuffer b, int offset) {
        return b.getLong(offset + TIMESTAMP_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static int epoch(DirectBuffer b, int offset) {
        return b.getInt(offset + EPOCH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static int namespaceLength(DirectBuffer b, int offset) {
        return Short.toUnsignedInt(b.getShort(offset + NAMESPACE_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN));
    }

    static int keyLength(DirectBuffer b, int offset) {
        return Short.toUnsignedInt(b.getShort(offset + KEY_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN));
    }

    static int attributesLength(DirectBuffer b, int offset) {
        return b.getInt(offset + ATTRIBUTES_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static long valueLength(DirectBuffer b, int offset) {
        return b.getLong(offset + VALUE_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }

    static String namespace(DirectBuffer b, int offset) {
        return b.getStringWithoutLengthUtf8(offset + HEADER_LENGTH, namespaceLength(b, offset));
    }

    static String key(DirectBuffer b, int offset) {
        return b.getStringWithoutLengthUtf8(offset + HEADER_LENGTH + namespaceLength(b, offset), keyLength(b, offset));
    }

    static int valueStart(DirectBuffer b, int offset) {
        return offset + valueOffset(namespaceLength(b, offset), keyLength(b, offset), attributesLength(b, offset));
    }

    // ---- object attributes ----

    static final byte[] NO_ATTRIBUTES = new byte[0];

    /** {@link ObjectAttributes#DEFAULT} encoded once: most objects have them. Shared; never written to. */
    private static final byte[] DEFAULT_ATTRIBUTES = encode(ObjectAttributes.DEFAULT);

    /**
     * Content type and descriptor as {@code short len, ASCII, short len (-1 = none), ASCII}. The
     * array may be shared: callers only read it.
     */
    static byte[] encodeAttributes(ObjectAttributes attributes) {
        return attributes.equals(ObjectAttributes.DEFAULT) ? DEFAULT_ATTRIBUTES : encode(attributes);
    }

    private static byte[] encode(ObjectAttributes attributes) {
        byte[] type = attributes.contentType().getBytes(StandardCharsets.US_ASCII);
        byte[] desc = attributes.descriptor() == null ? null : attributes.descriptor().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(4 + type.length + (desc == null ? 0 : desc.length)).order(ByteOrder.LITTLE_ENDIAN);
        out.putShort((short) type.length).put(type).putShort((short) (desc == null ? -1 : desc.length));
        if (desc != null) {
            out.put(desc);
        }
        return out.array();
    }

    /**
     * Decodes attributes written by {@link #encodeAttributes}.
     *
     * @return the attributes, or {@code null} if the bytes are malformed
     */
    static ObjectAttributes decodeAttributes(DirectBuffer b, int at, int length) {
        if (length == 0) {
            return ObjectAttributes.DEFAULT;
        }
        if (length < 4) {
            return null;
        }
        int typeLength = b.getShort(at, ByteOrder.LITTLE_ENDIAN);
        if (typeLength < 0 || 2 + typeLength + 2 > length) {
            return null;
        }
        String type = b.getStringWithoutLengthAscii(at + 2, typeLength);
        int descLength = b.getShort(at + 2 + typeLength, ByteOrder.LITTLE_ENDIAN);
        if (descLength < -1 || 4 + typeLength + Math.max(descLength, 0) != length) {
            return null;
        }
        String desc = descLength < 0 ? null : b.getStringWithoutLengthAscii(at + 4 + typeLength, descLength);
        try {
            return new ObjectAttributes(type, desc);
        } catch (dev.stowage.InvalidRequestException e) {
            return null;
        }
    }
}
