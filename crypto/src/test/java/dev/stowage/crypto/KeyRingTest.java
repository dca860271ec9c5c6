package dev.stowage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.ClosedException;
import dev.stowage.InvalidRequestException;
import dev.stowage.Precondition;
import dev.stowage.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key ring parsing and the {@code encrypt=} store option. */
class KeyRingTest {
    private static final String KEY_A = Base64.getEncoder().encodeToString(TestKeys.filled(0x41));
    private static final String KEY_B = Base64.getEncoder().encodeToString(TestKeys.filled(0x42));

    @TempDir
    Path dir;

    @Test
    void lastListedKeyIsCurrentAndAllAreFoundById() {
        KeyRing ring = KeyRing.parse("# keys\n\nold:" + KEY_A + "\n new : " + KEY_B + " \n", "test");
        assertThat(ring.current().id()).isEqualTo("new");
        assertThat(ring.byId("old").id()).isEqualTo("old");
        assertThat(ring.byId("absent")).isNull();
        assertThat(KeyRing.parse("a:" + KEY_A + ",b:" + KEY_B, "test").current().id()).isEqualTo("b");
        assertThat(ring.toString()).doesNotContain(KEY_A).doesNotContain(KEY_B);
    }

    @Test
    void malformedKeysAreRejectedWithoutEchoingKeyMaterial() {
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> KeyRing.parse("k:" + shortKey, "test")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("32 bytes").hasMessageNotContaining(shortKey);
        assertThatThrownBy(() -> KeyRing.parse("k:not base64!", "test")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("entry 1").hasMessageNotContaining("not base64!");
        assertThatThrownBy(() -> KeyRing.parse("a:" + KEY_A + "\na:" + KEY_B, "test")).hasMessageContaining("twice");
        assertThatThrownBy(() -> KeyRing.parse("bad id:" + KEY_A, "test")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> KeyRing.parse("x".repeat(33) + ":" + KEY_A, "test")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> KeyRing.parse("# nothing\n", "test")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> KeyRing.fromFile(dir.resolve("absent"))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> KeyRing.fromEnvironment("STOWAGE_TEST_NO_SUCH_VARIABLE")).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void closedRingZeroesItsKeysAndRefusesUse() {
        KeyRing ring = KeyRing.parse("a:" + KEY_A, "test");
        ring.close();
        assertThatThrownBy(() -> ring.current().material()).isInstanceOf(ClosedException.class);
    }

    @Test
    void storeOptionOpensAnEncryptedStore() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys"), "k1:" + KEY_A + "\n");
        try (Backend b = Stores.open("mem://?encrypt=keyfile:" + keys + "&encrypt.frameSize=8192")) {
            assertThat(b).isInstanceOf(EncryptingBackend.class);
            b.storeMeta("ns", "k", "v".getBytes(), Precondition.any());
            assertThat(b.readMeta("ns", "k").toByteArray()).isEqualTo("v".getBytes());
            assertThat(((EncryptingBackend) b).delegate().readMeta("ns", "k").size())
                .isEqualTo(1 + EnvelopeDescriptor.META_OVERHEAD);
        }
        assertThatThrownBy(() -> Stores.open("mem://?encrypt=keyfile:" + dir.resolve("absent"))).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> Stores.open("mem://?encrypt=plain")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("keyfile:");
        assertThatThrownBy(() -> Stores.open("mem://?encrypt=keyfile:" + keys + "&encrypt.frameSize=1000"))
            .isInstanceOf(InvalidRequestException.class);
    }
}
