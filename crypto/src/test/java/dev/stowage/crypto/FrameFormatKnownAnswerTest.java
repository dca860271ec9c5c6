package dev.stowage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.ObjectAttributes;
import dev.stowage.ReplayableBody;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins the encrypted format: fixed keys and a fixed "random" source must give exactly these bytes,
 * and these stored bytes must decrypt. If an intended format change breaks this test, raise
 * {@link EnvelopeDescriptor#VERSION} and keep reading the old version.
 */
class FrameFormatKnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();

    /** A meta document "known answer" under root-2026 in context meta/kat/doc. */
    private static final String META_CIPHERTEXT =
        "53545745303132333435360001011e09726f6f742d3230323600000000000000000000000000000000000000000000002021222324252627"
        + "28292a2b2c2d2e2ffa23d7160437493524527016fa77af51574926be440a5895d56616bf6f6eeadf660f06d8e0a5e9351926d83516ff4a30579b65ae8bee677150613521d9638eb39fb023f6f669f1a53fb7ca19";
    /** SHA-256 of a 5000-byte object (bytes i % 251) in 4 KiB frames, attributes text/plain + "d", context object/kat/obj. */
    private static final String OBJECT_CIPHERTEXT_SHA256 = "693b8ea720c62199aa40149ca7d738a70635ab06a776ce052f2066d12458fac1";
    private static final String OBJECT_DESCRIPTOR = "swe1:AQEMCXJvb3QtMjAyNgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAICEiIyQlJicoKSorLC0uL_oj1xYEN0k1JFJwFvp3r1FXSSa-RApYldVmFr9vburfG4hBrh977uzoQB6J53xjOw:10:text/plain:d";

    /** Bytes 0, 1, 2, ... in place of randomness. */
    private static final class CountingRandom extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private int next;

        @Override
        public synchronized void nextBytes(byte[] bytes) {
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) next++;
            }
        }
    }

    private static EnvelopeEncryption codec() {
        return new EnvelopeEncryption(KeyRing.of(TestKeys.CURRENT), 12, new CountingRandom());
    }

    @Test
    void metaDocumentEncryptsToTheKnownBytes() {
        byte[] sealed = codec().encryptDocument(new EncryptionContext(EncryptionContext.Kind.META, "kat", "doc"), "known answer".getBytes(UTF_8));
        assertThat(HEX.formatHex(sealed)).isEqualTo(META_CIPHERTEXT);
    }

    /**
     * The stored frame is plain AES-256-GCM as {@link EnvelopeDescriptor} describes it, checked with
     * the JDK cipher directly: data key = the first 32 "random" bytes (0..31), nonce = the prefix
     * from the stream header, counter 0, last flag 1, associated data = label, format and context.
     */
    @Test
    void storedFrameIsAesGcmAsDocumented() throws Exception {
        byte[] stored = HEX.parseHex(META_CIPHERTEXT);
        byte[] dataKey = new byte[32];
        for (int i = 0; i < 32; i++) {
            dataKey[i] = (byte) i;
        }
        byte[] nonce = new byte[12];
        System.arraycopy(stored, EnvelopeDescriptor.NONCE_PREFIX_OFFSET, nonce, 0, 7);
        nonce[11] = 1;
        javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(dataKey, "AES"),
            new javax.crypto.spec.GCMParameterSpec(128, nonce));
        java.io.ByteArrayOutputStream aad = new java.io.ByteArrayOutputStream();
        aad.writeBytes("stowage/frame/1".getBytes(UTF_8));
        aad.writeBytes(new byte[] {1, 1, 30});
        aad.writeBytes(new byte[] {0, 4});
        aad.writeBytes("meta".getBytes(UTF_8));
        aad.writeBytes(new byte[] {0, 3});
        aad.writeBytes("kat".getBytes(UTF_8));
        aad.writeBytes(new byte[] {0, 3});
        aad.writeBytes("doc".getBytes(UTF_8));
        gcm.updateAAD(aad.toByteArray());
        byte[] plain = gcm.doFinal(stored, EnvelopeDescriptor.EMBEDDED_PREFIX_LENGTH, stored.length - EnvelopeDescriptor.EMBEDDED_PREFIX_LENGTH);
        assertThat(new String(plain, UTF_8)).isEqualTo("known answer");
    }

    @Test
    void storedMetaDocumentDecrypts() {
        byte[] plain = new EnvelopeEncryption(KeyRing.of(TestKeys.CURRENT), 16, new SecureRandom())
            .decryptDocument(new EncryptionContext(EncryptionContext.Kind.META, "kat", "doc"), HEX.parseHex(META_CIPHERTEXT));
        assertThat(new String(plain, UTF_8)).isEqualTo("known answer");
    }

    @Test
    void objectEncryptsToTheKnownBytes() throws Exception {
        byte[] body = new byte[5000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i % 251);
        }
        EnvelopeEncryption.SealedObject sealed = codec().encryptObject(new EncryptionContext(EncryptionContext.Kind.OBJECT, "kat", "obj"),
            ReplayableBody.ofBytes(body), new ObjectAttributes("text/plain", "d"));
        byte[] ciphertext;
        try (InputStream in = sealed.body().open()) {
            ciphertext = in.readAllBytes();
        }
        assertThat(ciphertext).hasSize(EnvelopeDescriptor.STREAM_HEADER_LENGTH + 5000 + 2 * EnvelopeDescriptor.TAG_LENGTH);
        assertThat(sealed.attributes().descriptor()).isEqualTo(OBJECT_DESCRIPTOR);
        assertThat(HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(ciphertext))).isEqualTo(OBJECT_CIPHERTEXT_SHA256);
    }
}
