package dev.stowage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayableBodyTest {
    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(n).nextBytes(b);
        return b;
    }

    private static byte[] readTwice(ReplayableBody body) throws IOException {
        byte[] first;
        try (InputStream in = body.open()) {
            first = in.readAllBytes();
        }
        try (InputStream in = body.open()) {
            assertThat(in.readAllBytes()).isEqualTo(first);
        }
        return first;
    }

    @Test
    void everyFactoryReplaysFromTheFirstByte(@TempDir Path dir) throws IOException {
        byte[] data = random(10_000);
        Path file = Files.write(dir.resolve("body"), data);
        ByteBuffer buffer = ByteBuffer.allocateDirect(data.length + 10).put(new byte[10]).put(data).flip().position(10);
        for (ReplayableBody body : new ReplayableBody[] {
            ReplayableBody.ofBytes(data), ReplayableBody.ofBuffer(buffer), ReplayableBody.ofFile(file),
            ReplayableBody.ofSupplier(data.length, () -> new ByteArrayInputStream(data))}) {
            assertThat(body.length()).isEqualTo(data.length);
            assertThat(readTwice(body)).isEqualTo(data);
        }
        assertThat(buffer.position()).as("caller's buffer position untouched").isEqualTo(10);
        assertThat(readTwice(ReplayableBody.ofBytes(data, 100, 50))).containsExactly(java.util.Arrays.copyOfRange(data, 100, 150));
    }

    /** Bodies over the caller's memory show it as it is (a slice, position to limit); the others have none to show. */
    @Test
    void inMemoryIsAViewOfTheCallersBytes(@TempDir Path dir) throws IOException {
        byte[] data = random(100);
        ByteBuffer slice = ReplayableBody.ofBytes(data, 10, 50).inMemory();
        assertThat(slice.remaining()).isEqualTo(50);
        data[10] = 42;
        assertThat(slice.get(slice.position())).as("the caller's array, not a copy").isEqualTo((byte) 42);
        ByteBuffer buffer = ByteBuffer.allocateDirect(100).put(data).position(20).limit(70);
        ByteBuffer view = ReplayableBody.ofBuffer(buffer).inMemory();
        assertThat(view.position()).isEqualTo(20);
        assertThat(view.remaining()).isEqualTo(50);
        view.position(view.limit());
        assertThat(buffer.position()).as("caller's buffer position untouched").isEqualTo(20);
        assertThat(ReplayableBody.ofFile(Files.write(dir.resolve("body"), data)).inMemory()).isNull();
        assertThat(ReplayableBody.ofSupplier(data.length, () -> new ByteArrayInputStream(data)).inMemory()).isNull();
    }

    @Test
    void spoolKeepsSmallBodiesInMemoryAndSpillsLargeOnes() throws IOException {
        byte[] small = random(1000);
        try (SpooledBody body = ReplayableBody.spool(new ByteArrayInputStream(small), 1 << 20)) {
            assertThat(body.spilled()).isFalse();
            assertThat(readTwice(body)).isEqualTo(small);
        }
        byte[] large = random(SpooledBody.MEMORY_THRESHOLD * 2 + 3);
        SpooledBody body = ReplayableBody.spool(new ByteArrayInputStream(large), large.length);
        assertThat(body.spilled()).isTrue();
        assertThat(body.length()).isEqualTo(large.length);
        assertThat(readTwice(body)).isEqualTo(large);
        body.close();
        assertThatThrownBy(body::open).isInstanceOf(ClosedException.class);
    }

    @Test
    void spoolRefusesStreamsOverTheLimit() {
        assertThatThrownBy(() -> ReplayableBody.spool(new ByteArrayInputStream(random(101)), 100))
            .isInstanceOf(InvalidRequestException.class).hasMessageContaining("100");
        assertThatThrownBy(() -> ReplayableBody.spool(new ByteArrayInputStream(random(SpooledBody.MEMORY_THRESHOLD + 10)),
            SpooledBody.MEMORY_THRESHOLD + 5)).isInstanceOf(InvalidRequestException.class);
        try (SpooledBody exact = ReplayableBody.spool(new ByteArrayInputStream(random(100)), 100)) {
            assertThat(exact.length()).isEqualTo(100);
        }
    }

    @Test
    void readAllBytesChecksDeclaredLengthAndLimit() {
        ReplayableBody lying = ReplayableBody.ofSupplier(5, () -> new ByteArrayInputStream(new byte[3]));
        assertThatThrownBy(() -> lying.readAllBytes(100)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("truncated");
        ReplayableBody overlong = ReplayableBody.ofSupplier(5, () -> new ByteArrayInputStream(new byte[6]));
        assertThatThrownBy(() -> overlong.readAllBytes(100)).isInstanceOf(InvalidRequestException.class).hasMessageContaining("overlong");
        byte[] exact = {1, 2, 3, 4, 5};
        assertThat(ReplayableBody.ofSupplier(5, () -> new ByteArrayInputStream(exact)).readAllBytes(5)).isEqualTo(exact);
        ReplayableBody unknown = ReplayableBody.ofSupplier(ReplayableBody.UNKNOWN_LENGTH, () -> new ByteArrayInputStream(new byte[200]));
        assertThatThrownBy(() -> unknown.readAllBytes(100)).isInstanceOf(InvalidRequestException.class);
        assertThat(unknown.readAllBytes(200)).hasSize(200);
    }
}
