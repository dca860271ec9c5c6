package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.NONCE_PREFIX_LENGTH;
import static dev.stowage.crypto.EnvelopeDescriptor.NONCE_PREFIX_OFFSET;
import static dev.stowage.crypto.EnvelopeDescriptor.STREAM_HEADER_LENGTH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.memory.MemoryBackend;
import java.io.InputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** No (key, nonce) pair is ever used twice: not across rewrites of one document, not across replays of one body. */
class NonceUniquenessTest {
    private static final String NS = "ns";
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void rewritingOneMetaDocumentTenThousandTimesNeverRepeatsAKeyNoncePair() {
        KeyRing keys = TestKeys.ring();
        MemoryBackend inner = new MemoryBackend();
        try (EncryptingBackend backend = EncryptingBackend.builder(inner).keyProvider(keys).build()) {
            EncryptionContext context = new EncryptionContext(EncryptionContext.Kind.META, NS, "doc");
            byte[] document = "the same bytes every time".getBytes();
            Set<String> keyNoncePairs = new HashSet<>();
            Set<String> dataKeys = new HashSet<>();
            Set<String> salts = new HashSet<>();
            int rewrites = 10_000;
            for (int i = 0; i < rewrites; i++) {
                backend.storeMeta(NS, "doc", document, Precondition.any());
                byte[] stored = inner.readMeta(NS, "doc").toByteArray();
                KeyEnvelope envelope = KeyEnvelope.decode(stored, STREAM_HEADER_LENGTH, "test", 0);
                byte[] dataKey = envelope.unwrap(keys, context, new byte[0]);
                byte[] noncePrefix = Arrays.copyOfRange(stored, NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_LENGTH);
                keyNoncePairs.add(HEX.formatHex(dataKey) + "/" + HEX.formatHex(noncePrefix));
                dataKeys.add(HEX.formatHex(dataKey));
                salts.add(HEX.formatHex(envelope.salt()));
                assertThat(backend.readMeta(NS, "doc").toByteArray()).isEqualTo(document);
            }
            assertThat(keyNoncePairs).hasSize(rewrites);
            assertThat(dataKeys).as("a fresh data key per version").hasSize(rewrites);
            assertThat(salts).as("a fresh wrapping key per version").hasSize(rewrites);
        }
    }

    @Test
    void everyReplayOfOneBodyGetsAFreshNoncePrefix() throws Exception {
        EnvelopeEncryption codec = new EnvelopeEncryption(TestKeys.ring(), 12, new java.security.SecureRandom());
        EncryptionContext context = new EncryptionContext(EncryptionContext.Kind.OBJECT, NS, "o");
        ReplayableBody sealed = codec.encryptObject(context, ReplayableBody.ofBytes(new byte[10_000]),
            dev.stowage.ObjectAttributes.DEFAULT).body();
        Set<String> prefixes = new HashSet<>();
        for (int replay = 0; replay < 100; replay++) {
            try (InputStream in = sealed.open()) {
                byte[] header = in.readNBytes(STREAM_HEADER_LENGTH);
                prefixes.add(HEX.formatHex(header, NONCE_PREFIX_OFFSET, NONCE_PREFIX_OFFSET + NONCE_PREFIX_LENGTH));
                assertThat(in.readAllBytes().length + STREAM_HEADER_LENGTH).isEqualTo(sealed.length());
            }
        }
        assertThat(prefixes).hasSize(100);
    }
}
