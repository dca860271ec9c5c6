package dev.stowage.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.ForwardingBackend;
import dev.stowage.ObjectAttributes;
import dev.stowage.Operation;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.memory.MemoryBackend;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Skipping in a decrypted stream passes over whole frames unread: a ranged read decrypts only what it touches. */
class RandomAccessTest {
    private static final int FRAME = EncryptingBackend.MIN_FRAME_SIZE;

    /** Counts the bytes actually read (not skipped) from the inner backend's object streams. */
    private static final class CountingBackend extends ForwardingBackend {
        long bytesRead;

        CountingBackend(Backend inner) {
            super(inner);
        }

        @Override
        protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
            return call.get();
        }

        @Override
        public Content getObject(String namespace, String key) {
            Content c = delegate().getObject(namespace, key);
            return new Content(c.info(), new FilterInputStream(c.stream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    bytesRead += b < 0 ? 0 : 1;
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    bytesRead += Math.max(n, 0);
                    return n;
                }
            });
        }
    }

    @Test
    void aRangeDecryptsOnlyTheFramesItTouches() throws IOException {
        byte[] body = new byte[256 * FRAME + 123];
        new Random(3).nextBytes(body);
        CountingBackend counting = new CountingBackend(new MemoryBackend());
        try (EncryptingBackend backend = EncryptingBackend.builder(counting).keyProvider(TestKeys.ring()).frameSize(FRAME).build()) {
            backend.putObject("ns", "big", ReplayableBody.ofBytes(body), ObjectAttributes.DEFAULT, Precondition.any());
            long offset = 200L * FRAME + 1000;
            try (Content c = backend.getObject("ns", "big")) {
                long before = counting.bytesRead;
                InputStream in = c.stream();
                assertThat(in.skip(offset)).isEqualTo(offset);
                byte[] range = in.readNBytes(FRAME);
                assertThat(range).isEqualTo(Arrays.copyOfRange(body, (int) offset, (int) offset + FRAME));
                assertThat(counting.bytesRead - before).as("bytes read for a one-frame range spanning two frames")
                    .isEqualTo(2L * (FRAME + EnvelopeDescriptor.TAG_LENGTH));
                assertThat(in.skip(Long.MAX_VALUE)).as("skip to the end, the last frame authenticated")
                    .isEqualTo(body.length - offset - FRAME);
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void skippingOverATruncatedStreamFails() {
        MemoryBackend inner = new MemoryBackend();
        try (EncryptingBackend backend = EncryptingBackend.builder(inner).keyProvider(TestKeys.ring()).frameSize(FRAME).build()) {
            backend.putObject("ns", "o", ReplayableBody.ofBytes(new byte[10 * FRAME]), ObjectAttributes.DEFAULT, Precondition.any());
            ObjectAttributes stored = inner.headObject("ns", "o").attributes();
            byte[] raw;
            try (Content c = inner.getObject("ns", "o")) {
                raw = c.readAllBytes();
            }
            // Same declared length as a body of 3 frames + 100 bytes, so the length itself looks whole.
            int fakeLength = EnvelopeDescriptor.STREAM_HEADER_LENGTH + (int) EnvelopeDescriptor.framesLength(3L * FRAME + 100, 12);
            inner.putObject("ns", "o", ReplayableBody.ofBytes(Arrays.copyOf(raw, fakeLength)), stored, Precondition.any());
            assertThatThrownBy(() -> {
                try (Content c = backend.getObject("ns", "o")) {
                    c.stream().skip(3L * FRAME + 50);
                }
            }).isInstanceOf(IntegrityException.class);
        }
    }
}
