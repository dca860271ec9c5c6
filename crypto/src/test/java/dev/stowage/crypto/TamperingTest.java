package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.EMBEDDED_PREFIX_LENGTH;
import static dev.stowage.crypto.EnvelopeDescriptor.STREAM_HEADER_LENGTH;
import static dev.stowage.crypto.EnvelopeDescriptor.TAG_LENGTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.memory.MemoryBackend;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every way of altering stored ciphertext fails with {@link IntegrityException} and yields no
 * plaintext of the altered part. The inner backend is reached directly to plant altered bytes.
 */
class TamperingTest {
    private static final String NS = "ns";
    private static final int FRAME = EncryptingBackend.MIN_FRAME_SIZE;
    private static final int SEALED_FRAME = FRAME + TAG_LENGTH;
    /** Three full frames and a partial one. */
    private static final byte[] BODY = body(3 * FRAME + 1000);
    private static final ObjectAttributes ATTRS = new ObjectAttributes("text/plain", "caller-descriptor");

    private MemoryBackend inner;
    private EncryptingBackend backend;

    @BeforeEach
    void open() {
        inner = new MemoryBackend();
        backend = EncryptingBackend.builder(inner).keyProvider(TestKeys.ring()).frameSize(FRAME).build();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    private static byte[] body(int length) {
        byte[] b = new byte[length];
        new Random(42).nextBytes(b);
        return b;
    }

    private byte[] rawObject(String key) {
        try (Content c = inner.getObject(NS, key)) {
            return c.readAllBytes();
        }
    }

    private void plantObject(String key, byte[] raw, ObjectAttributes stored) {
        inner.putObject(NS, key, ReplayableBody.ofBytes(raw), stored, Precondition.any());
    }

    private byte[] readObject(String key) {
        try (Content c = backend.getObject(NS, key)) {
            return c.readAllBytes();
        }
    }

    private static void assertIntegrityFailure(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOf(IntegrityException.class);
    }

    @Test
    void storedBytesHoldNoPlaintext() {
        byte[] marker = "a very recognisable plaintext marker".getBytes(StandardCharsets.UTF_8);
        backend.putObject(NS, "o", ReplayableBody.ofBytes(marker), ATTRS, Precondition.any());
        backend.writeState(NS, "s", ReplayableBody.ofBytes(marker), Precondition.any());
        backend.storeMeta(NS, "m", marker, Precondition.any());
        String text = "a very recognisable";
        assertThat(new String(rawObject("o"), StandardCharsets.ISO_8859_1)).doesNotContain(text);
        try (Content c = inner.readState(NS, "s")) {
            assertThat(new String(c.readAllBytes(), StandardCharsets.ISO_8859_1)).doesNotContain(text);
        }
        assertThat(new String(inner.readMeta(NS, "m").toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain(text);
        EntryInfo stored = inner.headObject(NS, "o");
        assertThat(stored.contentType()).isEqualTo(EncryptingBackend.ENCRYPTED_CONTENT_TYPE);
        assertThat(backend.headObject(NS, "o").attributes()).isEqualTo(ATTRS);
    }

    @Test
    void everyFlippedBitOfHeaderOrFrameFails() {
        backend.putObject(NS, "o", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        byte[] raw = rawObject("o");
        ObjectAttributes stored = inner.headObject(NS, "o").attributes();
        Random random = new Random(7);
        for (int position = 0; position < raw.length; position += position < STREAM_HEADER_LENGTH + 32 ? 1 : 97) {
            byte[] altered = raw.clone();
            altered[position] ^= (byte) (1 << random.nextInt(8));
            plantObject("o", altered, stored);
            int at = position;
            assertThatThrownBy(() -> readObject("o")).as("bit flipped at %d", at).isInstanceOf(IntegrityException.class);
        }
        // A flip in a frame yields nothing of that frame: reading stops at the frame before it.
        byte[] altered = raw.clone();
        altered[STREAM_HEADER_LENGTH + SEALED_FRAME + 5] ^= 1;
        plantObject("o", altered, stored);
        try (Content c = backend.getObject(NS, "o")) {
            byte[] first = new byte[FRAME];
            assertThat(c.stream().readNBytes(first, 0, FRAME)).isEqualTo(FRAME);
            assertThat(first).isEqualTo(Arrays.copyOf(BODY, FRAME));
            assertIntegrityFailure(() -> c.stream().read());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void flippedBitInTheDescriptorFails() {
        backend.putObject(NS, "o", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        byte[] raw = rawObject("o");
        String descriptor = inner.headObject(NS, "o").descriptor();
        for (int i = ObjectDescriptor.PREFIX.length(); i < descriptor.length(); i += 3) {
            char[] chars = descriptor.toCharArray();
            chars[i] = chars[i] == 'A' ? 'B' : 'A';
            plantObject("o", raw, new ObjectAttributes(EncryptingBackend.ENCRYPTED_CONTENT_TYPE, new String(chars)));
            int at = i;
            assertThatThrownBy(() -> readObject("o")).as("descriptor char %d", at).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void flippedBitInAnEmbeddedEnvelopeFails() {
        backend.storeMeta(NS, "m", BODY, Precondition.any());
        byte[] meta = inner.readMeta(NS, "m").toByteArray();
        backend.writeState(NS, "s", ReplayableBody.ofBytes(BODY), Precondition.any());
        byte[] state;
        try (Content c = inner.readState(NS, "s")) {
            state = c.readAllBytes();
        }
        for (int position = 0; position < EMBEDDED_PREFIX_LENGTH + 2 * TAG_LENGTH; position++) {
            byte[] m = meta.clone();
            m[position] ^= 0x10;
            inner.storeMeta(NS, "m", m, Precondition.any());
            byte[] s = state.clone();
            s[position] ^= 0x10;
            inner.writeState(NS, "s", ReplayableBody.ofBytes(s), Precondition.any());
            int at = position;
            assertThatThrownBy(() -> backend.readMeta(NS, "m")).as("meta byte %d", at).isInstanceOf(IntegrityException.class);
            assertThatThrownBy(() -> {
                try (Content c = backend.readState(NS, "s")) {
                    c.readAllBytes();
                }
            }).as("state byte %d", at).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void reorderedDroppedOrDuplicatedFramesFail() {
        backend.putObject(NS, "o", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        byte[] raw = rawObject("o");
        ObjectAttributes stored = inner.headObject(NS, "o").attributes();
        byte[] header = Arrays.copyOf(raw, STREAM_HEADER_LENGTH);
        byte[][] frames = new byte[4][];
        for (int i = 0; i < 4; i++) {
            int from = STREAM_HEADER_LENGTH + i * SEALED_FRAME;
            frames[i] = Arrays.copyOfRange(raw, from, Math.min(raw.length, from + SEALED_FRAME));
        }
        int[][] orders = {{1, 0, 2, 3}, {0, 2, 1, 3}, {0, 1, 3}, {0, 2, 3}, {1, 2, 3}, {0, 1, 1, 2, 3}, {0, 1, 2, 2, 3},
            {0, 1, 2, 3, 3}, {0, 1, 2}};
        for (int[] order : orders) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(header);
            for (int i : order) {
                out.writeBytes(frames[i]);
            }
            plantObject("o", out.toByteArray(), stored);
            assertThatThrownBy(() -> readObject("o")).as("frames %s", Arrays.toString(order)).isInstanceOf(IntegrityException.class);
        }
    }

    @Test
    void truncationAtAFrameBoundaryOrInsideAFrameFails() {
        byte[] exact = body(2 * FRAME);
        backend.putObject(NS, "o", ReplayableBody.ofBytes(exact), ATTRS, Precondition.any());
        byte[] raw = rawObject("o");
        ObjectAttributes stored = inner.headObject(NS, "o").attributes();
        assertThat(raw.length).as("a body of whole frames ends with an empty last frame")
            .isEqualTo(STREAM_HEADER_LENGTH + 2 * SEALED_FRAME + TAG_LENGTH);
        int[] cuts = {STREAM_HEADER_LENGTH + 2 * SEALED_FRAME, STREAM_HEADER_LENGTH + SEALED_FRAME, STREAM_HEADER_LENGTH,
            STREAM_HEADER_LENGTH + SEALED_FRAME + 100, raw.length - 1, STREAM_HEADER_LENGTH - 1, 0};
        for (int cut : cuts) {
            plantObject("o", Arrays.copyOf(raw, cut), stored);
            assertThatThrownBy(() -> readObject("o")).as("cut at %d", cut).isInstanceOf(IntegrityException.class);
        }
        plantObject("o", Arrays.copyOf(raw, raw.length + 16), stored);
        assertIntegrityFailure(() -> readObject("o"));
    }

    @Test
    void ciphertextCopiedOntoAnotherKeyNamespaceOrKindFails() {
        backend.putObject(NS, "o", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        byte[] raw = rawObject("o");
        ObjectAttributes stored = inner.headObject(NS, "o").attributes();
        plantObject("other-key", raw, stored);
        assertIntegrityFailure(() -> readObject("other-key"));
        inner.putObject("other-ns", "o", ReplayableBody.ofBytes(raw), stored, Precondition.any());
        assertIntegrityFailure(() -> {
            try (Content c = backend.getObject("other-ns", "o")) {
                c.readAllBytes();
            }
        });

        backend.writeState(NS, "k", ReplayableBody.ofBytes(BODY), Precondition.any());
        backend.storeMeta(NS, "k", BODY, Precondition.any());
        byte[] state;
        try (Content c = inner.readState(NS, "k")) {
            state = c.readAllBytes();
        }
        byte[] meta = inner.readMeta(NS, "k").toByteArray();
        inner.storeMeta(NS, "k", state, Precondition.any());
        inner.writeState(NS, "k", ReplayableBody.ofBytes(meta), Precondition.any());
        assertIntegrityFailure(() -> backend.readMeta(NS, "k"));
        assertIntegrityFailure(() -> backend.readState(NS, "k").close());
        inner.writeState(NS, "o", ReplayableBody.ofBytes(raw), Precondition.any());
        assertIntegrityFailure(() -> backend.readState(NS, "o").close());
    }

    @Test
    void kindIsBoundEvenWhereTheLayoutsMatch() {
        EnvelopeEncryption codec = backend.encryption();
        ReplayableBody sealed = codec.encryptEmbedded(new EncryptionContext(EncryptionContext.Kind.QUEUE_PAYLOAD, NS, "q"),
            ReplayableBody.ofBytes(BODY));
        inner.writeState(NS, "q", sealed, Precondition.any());
        assertIntegrityFailure(() -> backend.readState(NS, "q").close());
    }

    @Test
    void descriptorSwappedBetweenObjectsOrVersionsFails() {
        backend.putObject(NS, "a", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        backend.putObject(NS, "b", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        ObjectAttributes descriptorOfA = inner.headObject(NS, "a").attributes();
        plantObject("b", rawObject("b"), descriptorOfA);
        assertIntegrityFailure(() -> readObject("b"));

        backend.putObject(NS, "v", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        ObjectAttributes firstVersion = inner.headObject(NS, "v").attributes();
        backend.putObject(NS, "v", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        plantObject("v", rawObject("v"), firstVersion);
        assertIntegrityFailure(() -> readObject("v"));

        backend.putObject(NS, "t", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        String descriptor = inner.headObject(NS, "t").descriptor();
        String otherType = descriptor.replace(":10:text/plain:", ":10:text/html!:");
        plantObject("t", rawObject("t"), new ObjectAttributes(EncryptingBackend.ENCRYPTED_CONTENT_TYPE, otherType));
        assertIntegrityFailure(() -> readObject("t"));
    }

    @Test
    void wrongOrMissingRootKeyFails() {
        backend.putObject(NS, "o", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        backend.storeMeta(NS, "m", BODY, Precondition.any());
        MemoryBackend sharedInner = inner;
        EncryptingBackend wrongKey = EncryptingBackend.builder(new RewrapperTest.NonClosingView(sharedInner))
            .keyProvider(KeyRing.of(RootKey.of(TestKeys.CURRENT.id(), TestKeys.filled(0x33)))).build();
        assertThatThrownBy(() -> wrongKey.getObject(NS, "o")).isInstanceOf(IntegrityException.class);
        assertThatThrownBy(() -> wrongKey.readMeta(NS, "m")).isInstanceOf(IntegrityException.class);
        EncryptingBackend missingKey = EncryptingBackend.builder(new RewrapperTest.NonClosingView(sharedInner))
            .keyProvider(KeyRing.of(TestKeys.OLD)).build();
        assertThatThrownBy(() -> missingKey.getObject(NS, "o")).isInstanceOf(UnknownKeyException.class)
            .hasMessageContaining(TestKeys.CURRENT.id());
    }

    @Test
    void unencryptedDataIsRefusedNotPassedThrough() {
        inner.putObject(NS, "plain", ReplayableBody.ofBytes(BODY), ATTRS, Precondition.any());
        inner.storeMeta(NS, "plain", BODY, Precondition.any());
        inner.writeState(NS, "plain", ReplayableBody.ofBytes(BODY), Precondition.any());
        assertIntegrityFailure(() -> backend.getObject(NS, "plain"));
        assertIntegrityFailure(() -> backend.headObject(NS, "plain"));
        assertIntegrityFailure(() -> backend.readMeta(NS, "plain"));
        assertIntegrityFailure(() -> backend.readState(NS, "plain"));
    }
}
