package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.*;

import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.ObjectAttributes;
import dev.stowage.ReplayableBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts and decrypts payloads in the format of {@link EnvelopeDescriptor}: a fresh random data
 * key per written version, wrapped for the provider's current root key; a fresh nonce prefix per
 * stream, including every replay of a body, so even a body that broke the {@link ReplayableBody}
 * contract by yielding other bytes on replay never reuses a (key, nonce) pair.
 *
 * <p>Thread-safe: per-call state only; the {@link SecureRandom} is thread-safe.
 */
final class EnvelopeEncryption {
    private static final byte[] NO_ATTRIBUTES = new byte[0];

    private final KeyProvider keys;
    private final int frameShift;
    private final SecureRandom random;

    EnvelopeEncryption(KeyProvider keys, int frameShift, SecureRandom random) {
        this.keys = keys;
        this.frameShift = frameShift;
        this.random = random;
    }

    /** A data key together with its envelope; the key lives as long as the write's body. */
    private record SealedKey(KeyEnvelope envelope, SecretKey dataKey) {
    }

    private SealedKey newDataKey(EncryptionContext context, byte[] attributes, int shift) {
        byte[] dataKey = new byte[DATA_KEY_LENGTH];
        random.nextBytes(dataKey);
        try {
            return new SealedKey(KeyEnvelope.seal(keys.current(), shift, context, attributes, dataKey, random),
                new SecretKeySpec(dataKey, "AES"));
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    private SecretKey openDataKey(KeyEnvelope envelope, EncryptionContext context, byte[] attributes) {
        byte[] dataKey = envelope.unwrap(keys, context, attributes);
        try {
            return new SecretKeySpec(dataKey, "AES");
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** Writes a stream header with a fresh nonce prefix at the start of {@code prefix}; returns the prefix. */
    private byte[] writeStreamHeader(byte[] prefix) {
        System.arraycopy(MAGIC, 0, prefix, MAGIC_OFFSET, MAGIC.length);
        byte[] noncePrefix = new byte[NONCE_PREFIX_LENGTH];
        random.nextBytes(noncePrefix);
        System.arraycopy(noncePrefix, 0, prefix, NONCE_PREFIX_OFFSET, NONCE_PREFIX_LENGTH);
        prefix[STREAM_RESERVED_OFFSET] = 0;
        return noncePrefix;
    }

    /** The nonce prefix of a stream header, after checking its shape. */
    private static byte[] readStreamHeader(byte[] src, String location) {
        if (src.length < STREAM_HEADER_LENGTH
            || !Arrays.equals(src, MAGIC_OFFSET, MAGIC_OFFSET + MAGIC.length, MAGIC, 0, MAGIC.length)
            || src[STREAM_RESERVED_OFFSET] != 0) {
            throw new IntegrityException(location, 0, "no encrypted-stream header (not encrypted, or damaged)");
        }
        return Arrays.copyOfRange(src, NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_LENGTH);
    }

    // ------------------------------------------------------------------ meta documents

    /** A meta document sealed as one frame with its envelope embedded. */
    byte[] encryptDocument(EncryptionContext context, byte[] document) {
        SealedKey key = newDataKey(context, NO_ATTRIBUTES, META_FRAME_SHIFT);
        byte[] out = new byte[META_OVERHEAD + document.length];
        byte[] noncePrefix = writeStreamHeader(out);
        key.envelope.encode(out, STREAM_HEADER_LENGTH);
        new FrameCipher(key.dataKey, noncePrefix, key.envelope.frameAad(context))
            .seal(0, true, document, document.length, out, EMBEDDED_PREFIX_LENGTH);
        return out;
    }

    byte[] decryptDocument(EncryptionContext context, byte[] stored) {
        String location = context.location();
        byte[] noncePrefix = readStreamHeader(stored, location);
        KeyEnvelope envelope = KeyEnvelope.decode(stored, STREAM_HEADER_LENGTH, location, STREAM_HEADER_LENGTH);
        if (envelope.frameShift() != META_FRAME_SHIFT || stored.length < META_OVERHEAD) {
            throw new IntegrityException(location, 0, "not an encrypted meta document");
        }
        SecretKey dataKey = openDataKey(envelope, context, NO_ATTRIBUTES);
        int sealedLength = stored.length - EMBEDDED_PREFIX_LENGTH;
        byte[] plain = new byte[sealedLength - TAG_LENGTH];
        new FrameCipher(dataKey, noncePrefix, envelope.frameAad(context))
            .open(0, true, stored, EMBEDDED_PREFIX_LENGTH, sealedLength, plain, location, EMBEDDED_PREFIX_LENGTH);
        return plain;
    }

    /** Plaintext size of a stored meta document of {@code storedSize} bytes. */
    static long documentSize(long storedSize, String location) {
        if (storedSize < META_OVERHEAD) {
            throw new IntegrityException(location, 0, "stored meta document of " + storedSize + " bytes is not encrypted");
        }
        return storedSize - META_OVERHEAD;
    }

    // ------------------------------------------------------------------ state (envelope embedded)

    /** A state body (or staged payload) sealed with its envelope embedded. */
    ReplayableBody encryptEmbedded(EncryptionContext context, ReplayableBody body) {
        SealedKey key = newDataKey(context, NO_ATTRIBUTES, frameShift);
        byte[] aad = key.envelope.frameAad(context);
        return sealedBody(body, EMBEDDED_PREFIX_LENGTH, aad, key, prefix -> key.envelope.encode(prefix, STREAM_HEADER_LENGTH));
    }

    Content decryptEmbedded(EncryptionContext context, Content stored) {
        return open(stored, context, location -> {
            byte[] rest = readFully(stored.stream(), KEY_ENVELOPE_LENGTH, location, STREAM_HEADER_LENGTH);
            return KeyEnvelope.decode(rest, 0, location, STREAM_HEADER_LENGTH);
        }, NO_ATTRIBUTES, EMBEDDED_PREFIX_LENGTH, null);
    }

    // ------------------------------------------------------------------ objects (envelope in the descriptor)

    /** A sealed object: the body to store and the attributes to store with it. */
    record SealedObject(ReplayableBody body, ObjectAttributes attributes) {
    }

    SealedObject encryptObject(EncryptionContext context, ReplayableBody body, ObjectAttributes caller) {
        ObjectDescriptor.requireFits(caller);
        SealedKey key = newDataKey(context, ObjectDescriptor.associatedData(caller), frameShift);
        byte[] aad = key.envelope.frameAad(context);
        ReplayableBody sealed = sealedBody(body, STREAM_HEADER_LENGTH, aad, key, prefix -> { });
        return new SealedObject(sealed, new ObjectDescriptor(key.envelope, caller).stored());
    }

    Content decryptObject(EncryptionContext context, Content stored) {
        ObjectDescriptor descriptor = ObjectDescriptor.parse(stored.info(), context.location());
        return open(stored, context, location -> descriptor.envelope(),
            ObjectDescriptor.associatedData(descriptor.attributes()), STREAM_HEADER_LENGTH, descriptor);
    }

    // ------------------------------------------------------------------ root key rotation

    /** Whether a payload's envelope is already wrapped for the current root key. */
    boolean isCurrent(KeyEnvelope envelope) {
        return envelope.rootKeyId().equals(keys.current().id());
    }

    /**
     * An embedded prefix (stream header + key envelope, as stored at the start of a meta document
     * or state blob) with the envelope rewrapped for the current root key, or {@code null} if it
     * already is. The frames after it stay valid unchanged.
     */
    byte[] rewrapEmbeddedPrefix(EncryptionContext context, byte[] prefix) {
        String location = context.location();
        readStreamHeader(prefix, location);
        KeyEnvelope envelope = KeyEnvelope.decode(prefix, STREAM_HEADER_LENGTH, location, STREAM_HEADER_LENGTH);
        if (isCurrent(envelope)) {
            return null;
        }
        byte[] rewrapped = Arrays.copyOf(prefix, EMBEDDED_PREFIX_LENGTH);
        envelope.rewrap(keys, keys.current(), context, NO_ATTRIBUTES, random).encode(rewrapped, STREAM_HEADER_LENGTH);
        return rewrapped;
    }

    /** An object's stored attributes with the envelope rewrapped for the current root key, or {@code null} if it already is. */
    ObjectAttributes rewrapObject(EncryptionContext context, EntryInfo stored) {
        ObjectDescriptor descriptor = ObjectDescriptor.parse(stored, context.location());
        if (isCurrent(descriptor.envelope())) {
            return null;
        }
        byte[] attributes = ObjectDescriptor.associatedData(descriptor.attributes());
        KeyEnvelope rewrapped = descriptor.envelope().rewrap(keys, keys.current(), context, attributes, random);
        return new ObjectDescriptor(rewrapped, descriptor.attributes()).stored();
    }

    // ------------------------------------------------------------------ shared stream plumbing

    private interface PrefixWriter {
        void write(byte[] prefix);
    }

    private ReplayableBody sealedBody(ReplayableBody body, int prefixLength, byte[] aad, SealedKey key, PrefixWriter envelope) {
        long plainLength = body.length();
        long sealedLength = plainLength < 0 ? ReplayableBody.UNKNOWN_LENGTH : prefixLength + framesLength(plainLength, frameShift);
        return ReplayableBody.ofSupplier(sealedLength, () -> {
            byte[] prefix = new byte[prefixLength];
            byte[] noncePrefix = writeStreamHeader(prefix);
            envelope.write(prefix);
            return new SealingInputStream(prefix, body.open(), new FrameCipher(key.dataKey, noncePrefix, aad),
                1 << frameShift, plainLength);
        });
    }

    /** Where a stream's key envelope comes from: the payload after its header, or the object descriptor. */
    private interface EnvelopeSource {
        KeyEnvelope read(String location);
    }

    private Content open(Content stored, EncryptionContext context, EnvelopeSource envelopeSource, byte[] attributes,
                         int prefixLength, ObjectDescriptor descriptor) {
        String location = context.location();
        try {
            byte[] header = readFully(stored.stream(), STREAM_HEADER_LENGTH, location, 0);
            byte[] noncePrefix = readStreamHeader(header, location);
            KeyEnvelope envelope = envelopeSource.read(location);
            long plainLength = plaintextLength(stored.size() - prefixLength, envelope.frameShift());
            if (stored.size() < prefixLength || plainLength < 0 || envelope.frameShift() == META_FRAME_SHIFT) {
                throw new IntegrityException(location, 0, "stored length " + stored.size() + " is not a whole encrypted stream");
            }
            SecretKey dataKey = openDataKey(envelope, context, attributes);
            InputStream plain = new OpeningInputStream(stored.stream(),
                new FrameCipher(dataKey, noncePrefix, envelope.frameAad(context)), envelope.frameShift(), plainLength,
                location, prefixLength);
            EntryInfo info = stored.info();
            EntryInfo view = descriptor != null ? descriptor.callerView(info, location)
                : new EntryInfo(info.key(), info.etag(), plainLength, info.lastModified(), info.contentType(), info.descriptor());
            return new Content(view, plain);
        } catch (RuntimeException e) {
            stored.close();
            throw e;
        }
    }

    static byte[] readFully(InputStream in, int length, String location, long offset) {
        try {
            byte[] b = in.readNBytes(length);
            if (b.length < length) {
                throw new IntegrityException(location, offset + b.length, "stream ends inside the encryption header");
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + location, e);
        }
    }
}
