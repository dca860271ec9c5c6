package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.*;
import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The data key of one payload, wrapped for a root key: the self-describing part of the format
 * ({@link EnvelopeDescriptor}, 100 bytes). Rewrapping replaces it without touching the frames.
 *
 * <p>The wrapping key is derived per envelope by HKDF-SHA256 from the root key and a fresh random
 * salt, so each wrapping key seals exactly one data key and its all-zero GCM nonce is never reused;
 * no limit on the number of wraps per root key follows from nonce collisions.
 *
 * <p>Immutable; thread-safe (arrays are copied in and out).
 */
public final class KeyEnvelope {
    private static final byte[] WRAP_INFO = "stowage/wrap-key/1".getBytes(US_ASCII);
    private static final byte[] WRAP_AAD_LABEL = "stowage/wrap/1".getBytes(US_ASCII);
    private static final byte[] FRAME_AAD_LABEL = "stowage/frame/1".getBytes(US_ASCII);

    private final int frameShift;
    private final String rootKeyId;
    private final byte[] salt;
    private final byte[] wrappedKey;

    private KeyEnvelope(int frameShift, String rootKeyId, byte[] salt, byte[] wrappedKey) {
        this.frameShift = frameShift;
        this.rootKeyId = rootKeyId;
        this.salt = salt;
        this.wrappedKey = wrappedKey;
    }

    /** Wraps {@code dataKey} for {@code root}, bound to {@code context} and {@code attributes}. */
    static KeyEnvelope seal(RootKey root, int frameShift, EncryptionContext context, byte[] attributes,
                            byte[] dataKey, SecureRandom random) {
        byte[] salt = new byte[SALT_LENGTH];
        random.nextBytes(salt);
        KeyEnvelope unsealed = new KeyEnvelope(frameShift, root.id(), salt, null);
        byte[] wrapped;
        try {
            wrapped = unsealed.wrapCipher(root, Cipher.ENCRYPT_MODE, context, attributes).doFinal(dataKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM key wrap failed", e);
        }
        return new KeyEnvelope(frameShift, root.id(), salt, wrapped);
    }

    /** The same data key wrapped for another root key under a fresh salt. */
    KeyEnvelope rewrap(KeyProvider keys, RootKey newRoot, EncryptionContext context, byte[] attributes,
                       SecureRandom random) {
        byte[] dataKey = unwrap(keys, context, attributes);
        try {
            return seal(newRoot, frameShift, context, attributes, dataKey, random);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /**
     * The data key; the caller zeroes it.
     *
     * @throws IntegrityException   if the envelope was altered, moved, or sealed by another key of that id
     * @throws UnknownKeyException  if {@code keys} does not hold the root key
     */
    byte[] unwrap(KeyProvider keys, EncryptionContext context, byte[] attributes) {
        RootKey root = keys.byId(rootKeyId);
        if (root == null) {
            throw new UnknownKeyException(context.location(), rootKeyId);
        }
        Cipher cipher = wrapCipher(root, Cipher.DECRYPT_MODE, context, attributes);
        try {
            return cipher.doFinal(wrappedKey);
        } catch (GeneralSecurityException e) {
            throw new IntegrityException(context.location(), 0,
                "key envelope does not authenticate under root key '" + rootKeyId
                    + "' (altered, moved from another key, or a different key of that id)", e);
        }
    }

    private Cipher wrapCipher(RootKey root, int mode, EncryptionContext context, byte[] attributes) {
        byte[] wrappingKey = new byte[DATA_KEY_LENGTH];
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(root.material(), salt, WRAP_INFO));
        hkdf.generateBytes(wrappingKey, 0, wrappingKey.length);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(wrappingKey, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, new byte[NONCE_LENGTH]));
            cipher.updateAAD(wrapAad(context, attributes));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        } finally {
            Arrays.fill(wrappingKey, (byte) 0);
        }
    }

    private byte[] wrapAad(EncryptionContext context, byte[] attributes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.writeBytes(WRAP_AAD_LABEL);
        writeFormat(out);
        EncryptionContext.putString(out, rootKeyId);
        out.writeBytes(context.encode());
        out.write(attributes.length >>> 8);
        out.write(attributes.length);
        out.writeBytes(attributes);
        return out.toByteArray();
    }

    /** Associated data of every frame sealed under this envelope's data key. */
    byte[] frameAad(EncryptionContext context) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.writeBytes(FRAME_AAD_LABEL);
        writeFormat(out);
        out.writeBytes(context.encode());
        return out.toByteArray();
    }

    private void writeFormat(ByteArrayOutputStream out) {
        out.write(VERSION);
        out.write(ALGORITHM_AES256_GCM_HKDF_SHA256);
        out.write(frameShift);
    }

    int frameShift() {
        return frameShift;
    }

    /** Id of the root key that wraps this envelope's data key. */
    public String rootKeyId() {
        return rootKeyId;
    }

    /** Writes the {@value EnvelopeDescriptor#KEY_ENVELOPE_LENGTH}-byte form at {@code offset}. */
    void encode(byte[] dst, int offset) {
        Arrays.fill(dst, offset, offset + KEY_ENVELOPE_LENGTH, (byte) 0);
        dst[offset + VERSION_OFFSET] = VERSION;
        dst[offset + ALGORITHM_OFFSET] = ALGORITHM_AES256_GCM_HKDF_SHA256;
        dst[offset + FRAME_SHIFT_OFFSET] = (byte) frameShift;
        byte[] id = rootKeyId.getBytes(US_ASCII);
        dst[offset + ROOT_KEY_ID_LENGTH_OFFSET] = (byte) id.length;
        System.arraycopy(id, 0, dst, offset + ROOT_KEY_ID_OFFSET, id.length);
        System.arraycopy(salt, 0, dst, offset + SALT_OFFSET, SALT_LENGTH);
        System.arraycopy(wrappedKey, 0, dst, offset + WRAPPED_KEY_OFFSET, WRAPPED_KEY_LENGTH);
    }

    /**
     * Reads the binary form. Only the shape is checked here; authenticity is checked by
     * {@link #unwrap}.
     *
     * @throws IntegrityException if the bytes are not a key envelope of a known version and algorithm
     */
    static KeyEnvelope decode(byte[] src, int offset, String location, long position) {
        if (src.length - offset < KEY_ENVELOPE_LENGTH) {
            throw new IntegrityException(location, position, "key envelope truncated");
        }
        if (src[offset + VERSION_OFFSET] != VERSION || src[offset + ALGORITHM_OFFSET] != ALGORITHM_AES256_GCM_HKDF_SHA256) {
            throw new IntegrityException(location, position, "unknown envelope version " + src[offset + VERSION_OFFSET]
                + " or algorithm " + src[offset + ALGORITHM_OFFSET]);
        }
        int shift = src[offset + FRAME_SHIFT_OFFSET];
        int idLength = src[offset + ROOT_KEY_ID_LENGTH_OFFSET];
        if (!validFrameShift(shift) || idLength < 1 || idLength > ROOT_KEY_ID_CAPACITY) {
            throw new IntegrityException(location, position, "malformed key envelope (frame shift " + shift
                + ", root key id length " + idLength + ")");
        }
        for (int i = idLength; i < ROOT_KEY_ID_CAPACITY; i++) {
            if (src[offset + ROOT_KEY_ID_OFFSET + i] != 0) {
                throw new IntegrityException(location, position, "malformed key envelope (root key id padding)");
            }
        }
        String id = new String(src, offset + ROOT_KEY_ID_OFFSET, idLength, US_ASCII);
        try {
            RootKey.requireValidId(id);
        } catch (RuntimeException e) {
            throw new IntegrityException(location, position, "malformed key envelope (root key id)");
        }
        return new KeyEnvelope(shift, id,
            Arrays.copyOfRange(src, offset + SALT_OFFSET, offset + SALT_OFFSET + SALT_LENGTH),
            Arrays.copyOfRange(src, offset + WRAPPED_KEY_OFFSET, offset + WRAPPED_KEY_OFFSET + WRAPPED_KEY_LENGTH));
    }

    /** The binary form in base64url without padding (134 characters), for object descriptors. */
    String toBase64() {
        byte[] b = new byte[KEY_ENVELOPE_LENGTH];
        encode(b, 0);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static KeyEnvelope fromBase64(String text, String location) {
        byte[] b;
        try {
            b = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IntegrityException(location, 0, "descriptor envelope is not base64url");
        }
        if (b.length != KEY_ENVELOPE_LENGTH) {
            throw new IntegrityException(location, 0, "descriptor envelope is " + b.length + " bytes, not " + KEY_ENVELOPE_LENGTH);
        }
        return decode(b, 0, location, 0);
    }

    /** The salt (a copy); tests check salts never repeat. */
    byte[] salt() {
        return salt.clone();
    }
}
