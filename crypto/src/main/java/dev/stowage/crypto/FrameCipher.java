package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.*;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals or opens the frames of one stream: AES-256-GCM (the JDK's, AES-NI and CLMUL intrinsics)
 * with the nonce {@code prefix | counter | last flag} and the stream's associated data.
 *
 * <p>Not thread-safe: one per stream.
 */
final class FrameCipher {
    private final Cipher cipher;
    private final SecretKey dataKey;
    private final byte[] nonce = new byte[NONCE_LENGTH];
    private final byte[] aad;

    FrameCipher(SecretKey dataKey, byte[] noncePrefix, byte[] aad) {
        this.dataKey = dataKey;
        this.aad = aad;
        System.arraycopy(noncePrefix, 0, nonce, 0, NONCE_PREFIX_LENGTH);
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /** Seals frame {@code index} from {@code in[0, length)} into {@code out} at {@code outOffset}; returns the sealed length. */
    int seal(long index, boolean last, byte[] in, int length, byte[] out, int outOffset) {
        try {
            init(Cipher.ENCRYPT_MODE, index, last);
            return cipher.doFinal(in, 0, length, out, outOffset);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM frame encryption failed", e);
        }
    }

    /**
     * Opens frame {@code index} from {@code in[inOffset, inOffset + length)} into {@code out}; returns the plaintext length.
     *
     * @throws IntegrityException if the frame does not authenticate as frame {@code index} (and last or not)
     */
    int open(long index, boolean last, byte[] in, int inOffset, int length, byte[] out, String location, long offset) {
        try {
            init(Cipher.DECRYPT_MODE, index, last);
            return cipher.doFinal(in, inOffset, length, out, 0);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IntegrityException(location, offset, "frame " + index + (last ? " (last)" : "")
                + " does not authenticate: altered, reordered, truncated or from another stream");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM frame decryption failed", e);
        }
    }

    private void init(int mode, long index, boolean last) throws GeneralSecurityException {
        nonce[NONCE_COUNTER_OFFSET] = (byte) (index >>> 24);
        nonce[NONCE_COUNTER_OFFSET + 1] = (byte) (index >>> 16);
        nonce[NONCE_COUNTER_OFFSET + 2] = (byte) (index >>> 8);
        nonce[NONCE_COUNTER_OFFSET + 3] = (byte) index;
        nonce[NONCE_LAST_FLAG_OFFSET] = (byte) (last ? 1 : 0);
        cipher.init(mode, dataKey, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        cipher.updateAAD(aad);
    }
}
