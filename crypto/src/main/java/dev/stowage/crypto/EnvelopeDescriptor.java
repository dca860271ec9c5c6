package dev.stowage.crypto;

/**
 * The encrypted format, as offsets: the stream header, the key envelope and the frames. Known-answer
 * tests pin it ({@code FrameFormatKnownAnswerTest}); a change here is a new {@link #VERSION}.
 *
 * <pre>
 * payload of a meta document or a state blob:  stream header | key envelope | frames
 * payload of an object:                        stream header | frames
 *                                              (key envelope in the object's descriptor, base64url)
 *
 * stream header (12 bytes)
 *   0  magic "STWE"
 *   4  nonce prefix (7 random bytes, fresh for every stream, also every replay of one write)
 *  11  reserved, 0
 *
 * key envelope (100 bytes)
 *   0  version (1)
 *   1  algorithm (1 = AES-256-GCM frames; data key wrapped by AES-256-GCM under a one-time key
 *      HKDF-SHA256(root key, salt))
 *   2  frame shift: plaintext frame size = 1 &lt;&lt; shift
 *   3  root key id length
 *   4  root key id, ASCII, zero padded to 32 bytes
 *  36  salt (16 random bytes)
 *  52  wrapped data key (32 bytes + 16-byte tag)
 *
 * frames: frame i holds plaintext [i * F, (i + 1) * F) sealed by AES-256-GCM with the data key,
 *   nonce = nonce prefix (7) | i as big-endian uint32 (4) | 1 if last frame else 0 (1),
 *   associated data = "stowage/frame/1" | version | algorithm | frame shift | context;
 *   every frame but the last holds exactly F bytes, the last holds 0..F-1 (so a stream cut at a
 *   frame boundary never reads as complete).
 * The wrap's associated data is "stowage/wrap/1" | version | algorithm | frame shift | root key id
 *   | context | object attributes, so a descriptor moved to another key, namespace, kind or
 *   attributes fails to unwrap.
 * </pre>
 *
 * <p>Context = kind label, namespace and key, each length-prefixed ({@link EncryptionContext}).
 */
public final class EnvelopeDescriptor {
    /** Format version written and read. */
    public static final byte VERSION = 1;
    /** AES-256-GCM frames, data key wrapped with AES-256-GCM under HKDF-SHA256(root, salt). */
    public static final byte ALGORITHM_AES256_GCM_HKDF_SHA256 = 1;

    /** First bytes of every encrypted payload. */
    public static final byte[] MAGIC = {'S', 'T', 'W', 'E'};
    public static final int MAGIC_OFFSET = 0;
    public static final int NONCE_PREFIX_OFFSET = 4;
    public static final int NONCE_PREFIX_LENGTH = 7;
    public static final int STREAM_RESERVED_OFFSET = 11;
    public static final int STREAM_HEADER_LENGTH = 12;

    public static final int VERSION_OFFSET = 0;
    public static final int ALGORITHM_OFFSET = 1;
    public static final int FRAME_SHIFT_OFFSET = 2;
    public static final int ROOT_KEY_ID_LENGTH_OFFSET = 3;
    public static final int ROOT_KEY_ID_OFFSET = 4;
    public static final int ROOT_KEY_ID_CAPACITY = 32;
    public static final int SALT_OFFSET = ROOT_KEY_ID_OFFSET + ROOT_KEY_ID_CAPACITY;
    public static final int SALT_LENGTH = 16;
    public static final int WRAPPED_KEY_OFFSET = SALT_OFFSET + SALT_LENGTH;
    public static final int DATA_KEY_LENGTH = 32;
    public static final int TAG_LENGTH = 16;
    public static final int WRAPPED_KEY_LENGTH = DATA_KEY_LENGTH + TAG_LENGTH;
    public static final int KEY_ENVELOPE_LENGTH = WRAPPED_KEY_OFFSET + WRAPPED_KEY_LENGTH;

    /** Bytes before the first frame of a meta document or state blob. */
    public static final int EMBEDDED_PREFIX_LENGTH = STREAM_HEADER_LENGTH + KEY_ENVELOPE_LENGTH;

    public static final int NONCE_LENGTH = 12;
    public static final int NONCE_COUNTER_OFFSET = 7;
    public static final int NONCE_LAST_FLAG_OFFSET = 11;

    /** Smallest frame (4 KiB). */
    public static final int MIN_FRAME_SHIFT = 12;
    /** Largest frame of a streamed body (16 MiB). */
    public static final int MAX_FRAME_SHIFT = 24;
    /** Frame shift of meta documents: one frame (1 GiB), so a listing can give plaintext sizes. */
    public static final int META_FRAME_SHIFT = 30;
    /** Bytes a meta document grows by when encrypted. */
    public static final int META_OVERHEAD = EMBEDDED_PREFIX_LENGTH + TAG_LENGTH;

    /** Frames per stream are counted in 32 bits. */
    static final long MAX_FRAMES = 1L << 32;

    private EnvelopeDescriptor() {
    }

    /** Whether a stored frame shift is one this version writes. */
    static boolean validFrameShift(int shift) {
        return (shift >= MIN_FRAME_SHIFT && shift <= MAX_FRAME_SHIFT) || shift == META_FRAME_SHIFT;
    }

    /** Length of the frames holding {@code plaintextLength} bytes. */
    public static long framesLength(long plaintextLength, int frameShift) {
        return plaintextLength + TAG_LENGTH * ((plaintextLength >>> frameShift) + 1);
    }

    /** Plaintext length held by {@code framesLength} bytes of frames, or -1 if no plaintext length gives it. */
    public static long plaintextLength(long framesLength, int frameShift) {
        long sealedFrame = (1L << frameShift) + TAG_LENGTH;
        long fullFrames = framesLength / sealedFrame;
        long last = framesLength % sealedFrame;
        return last < TAG_LENGTH ? -1 : (fullFrames << frameShift) + last - TAG_LENGTH;
    }
}
