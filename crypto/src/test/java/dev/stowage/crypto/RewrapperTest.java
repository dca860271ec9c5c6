package dev.stowage.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Content;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.memory.MemoryBackend;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Root rotation: envelopes move to the new root, frames stay byte for byte, the old root can then go. */
class RewrapperTest {
    private static final String NS = "ns";
    private static final int HEADER = EnvelopeDescriptor.STREAM_HEADER_LENGTH;
    private static final int EMBEDDED = EnvelopeDescriptor.EMBEDDED_PREFIX_LENGTH;

    private static byte[] raw(Content c) {
        try (c) {
            return c.readAllBytes();
        }
    }

    @Test
    void rewrapMovesEveryEnvelopeToTheCurrentRootWithoutReencrypting() {
        MemoryBackend inner = new MemoryBackend();
        byte[] body = new byte[100_000];
        new Random(1).nextBytes(body);
        ObjectAttributes attrs = new ObjectAttributes("application/x-test", "caller");

        EncryptingBackend before = EncryptingBackend.builder(new NonClosingView(inner)).keyProvider(KeyRing.of(TestKeys.OLD)).build();
        for (int i = 0; i < 25; i++) {
            before.storeMeta(NS, "meta-" + i, ("doc " + i).getBytes(), Precondition.any());
            before.putObject(NS, "obj-" + i, ReplayableBody.ofBytes(body), attrs, Precondition.any());
        }
        before.writeState(NS, "state", ReplayableBody.ofBytes(body), Precondition.any());
        byte[] objectBefore = raw(inner.getObject(NS, "obj-3"));
        byte[] stateBefore = raw(inner.readState(NS, "state"));
        byte[] metaBefore = inner.readMeta(NS, "meta-3").toByteArray();
        before.close();

        EncryptingBackend rotated = EncryptingBackend.builder(new NonClosingView(inner)).keyProvider(TestKeys.ring()).build();
        Rewrapper rewrapper = new Rewrapper(rotated);
        Rewrapper.Report report = rewrapper.namespace(NS);
        assertThat(report).isEqualTo(new Rewrapper.Report(50, 0, 0));
        assertThat(rewrapper.state(NS, "state")).isEqualTo(Rewrapper.Outcome.REWRAPPED);
        assertThat(rewrapper.namespace(NS)).isEqualTo(new Rewrapper.Report(0, 50, 0));
        assertThat(rewrapper.state(NS, "state")).isEqualTo(Rewrapper.Outcome.ALREADY_CURRENT);
        assertThat(rewrapper.object(NS, "absent")).isEqualTo(Rewrapper.Outcome.CHANGED);
        rotated.close();

        byte[] objectAfter = raw(inner.getObject(NS, "obj-3"));
        assertThat(objectAfter).as("object body untouched").isEqualTo(objectBefore);
        byte[] stateAfter = raw(inner.readState(NS, "state"));
        assertThat(Arrays.copyOfRange(stateAfter, EMBEDDED, stateAfter.length)).as("state frames untouched")
            .isEqualTo(Arrays.copyOfRange(stateBefore, EMBEDDED, stateBefore.length));
        assertThat(Arrays.copyOf(stateAfter, HEADER)).isEqualTo(Arrays.copyOf(stateBefore, HEADER));
        assertThat(Arrays.copyOf(stateAfter, EMBEDDED)).isNotEqualTo(Arrays.copyOf(stateBefore, EMBEDDED));
        byte[] metaAfter = inner.readMeta(NS, "meta-3").toByteArray();
        assertThat(Arrays.copyOfRange(metaAfter, EMBEDDED, metaAfter.length)).isEqualTo(Arrays.copyOfRange(metaBefore, EMBEDDED, metaBefore.length));

        try (EncryptingBackend newRootOnly = EncryptingBackend.builder(inner).keyProvider(KeyRing.of(TestKeys.CURRENT)).build()) {
            assertThat(newRootOnly.readMeta(NS, "meta-24").toByteArray()).isEqualTo("doc 24".getBytes());
            try (Content c = newRootOnly.getObject(NS, "obj-24")) {
                assertThat(c.info().attributes()).isEqualTo(attrs);
                assertThat(c.readAllBytes()).isEqualTo(body);
            }
            try (Content c = newRootOnly.readState(NS, "state")) {
                assertThat(c.readAllBytes()).isEqualTo(body);
            }
        }
    }

    /** A view of a shared inner backend whose close leaves it open. */
    static final class NonClosingView extends dev.stowage.ForwardingBackend {
        NonClosingView(dev.stowage.Backend inner) {
            super(inner);
        }

        @Override
        protected <T> T invoke(dev.stowage.Operation operation, String namespace, String key, java.util.function.Supplier<T> call) {
            return call.get();
        }

        @Override
        public void close() {
        }
    }
}
