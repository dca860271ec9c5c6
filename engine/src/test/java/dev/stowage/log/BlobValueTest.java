package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Content;
import dev.stowage.CorruptionException;
import dev.stowage.InvalidRequestException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.LeakCheckingTest;
import dev.stowage.conformance.PseudoRandomStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Values above the inline threshold live in blob files written by the caller's thread. */
class BlobValueTest extends LeakCheckingTest {
    private static final String NS = "blob";
    private static final long SIZE = 5L << 20;

    @TempDir
    Path dir;

    private LogStore open() {
        return LogStore.builder(dir).open();
    }

    private List<Path> blobFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(BlobStore.DIR))) {
            return files.toList();
        }
    }

    private static ReplayableBody body(long seed) {
        return ReplayableBody.ofSupplier(SIZE, () -> new PseudoRandomStream(seed, SIZE));
    }

    private static void assertContent(Content c, long seed) throws IOException {
        try (c) {
            assertThat(c.size()).isEqualTo(SIZE);
            assertThat(new PseudoRandomStream(seed, SIZE).firstDifference(c.stream())).isEqualTo(-1);
        }
    }

    @Test
    void largeValuesGoToBlobsAndSurviveReopenCopyAndPromote() throws Exception {
        try (LogStore store = open()) {
            store.writeState(NS, "s", body(1), Precondition.mustNotExist());
            store.putObject(NS, "o", body(2), ObjectAttributes.contentType("video/mp4"), Precondition.mustNotExist());
            store.copyObject(NS, "o", "o-copy", Precondition.mustNotExist());
            store.stage(NS, "p", "t1", body(3), Precondition.mustNotExist());
            store.promote(NS, "p", "t1", Precondition.mustNotExist());
            assertThat(blobFiles()).hasSize(3);
            assertThatThrownBy(() -> store.viewState(NS, "s")).isInstanceOf(InvalidRequestException.class);
        }
        try (LogStore store = open()) {
            assertContent(store.readState(NS, "s"), 1);
            assertContent(store.getObject(NS, "o"), 2);
            assertContent(store.getObject(NS, "o-copy"), 2);
            assertContent(store.readState(NS, "p"), 3);
            assertThat(store.headObject(NS, "o-copy").contentType()).isEqualTo("video/mp4");
        }
    }

    @Test
    void aFailedWriteDeletesItsBlobAndSupersededBlobsGoAtTheNextOpen() throws Exception {
        try (LogStore store = open()) {
            store.writeState(NS, "s", body(1), Precondition.mustNotExist());
            assertThatThrownBy(() -> store.writeState(NS, "s", body(2), Precondition.mustNotExist()))
                .isInstanceOf(PreconditionFailedException.class);
            store.writeState(NS, "s", body(3), Precondition.any());
            assertThat(blobFiles()).hasSize(2);
        }
        try (LogStore store = open()) {
            assertThat(blobFiles()).hasSize(1);
            assertContent(store.readState(NS, "s"), 3);
            store.removeState(NS, "s", Precondition.any());
        }
        try (LogStore store = open()) {
            assertThat(blobFiles()).isEmpty();
        }
    }

    @Test
    void damagedOrMissingBlobsAreCorruptionNamingTheFile() throws Exception {
        try (LogStore store = open()) {
            store.writeState(NS, "s", body(1), Precondition.any());
            Path blob = blobFiles().get(0);
            LogFiles.flipBit(blob, SIZE / 2, 4);
            assertThatThrownBy(() -> store.readState(NS, "s").readAllBytes()).isInstanceOf(CorruptionException.class)
                .hasMessageContaining(blob.toString()).hasMessageContaining("CRC32C");
            Files.delete(blob);
            assertThatThrownBy(() -> store.readState(NS, "s")).isInstanceOf(CorruptionException.class)
                .hasMessageContaining("missing");
        }
    }

    /** The writer never waits on a caller's stream: small writes complete while a large one is stuck mid-body. */
    @Test
    @Timeout(120)
    void aStalledLargeWriteDoesNotHoldUpSmallWrites() throws Exception {
        CountDownLatch midway = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long size = 64L << 20;
        ReplayableBody stalling = ReplayableBody.ofSupplier(size, () -> new InputStream() {
            private final InputStream data = new PseudoRandomStream(9, size);
            private long read;

            @Override
            public int read() throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read >= size / 2 && midway.getCount() > 0) {
                    midway.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                // Stop exactly at the middle on the first pass, so the stall happens there.
                int limit = read < size / 2 ? (int) Math.min(len, size / 2 - read) : len;
                int n = data.read(b, off, limit);
                if (n > 0) {
                    read += n;
                }
                return n;
            }
        });
        try (LogStore store = open()) {
            CompletableFuture<String> large = CompletableFuture.supplyAsync(
                () -> store.writeState(NS, "large", stalling, Precondition.any()));
            assertThat(midway.await(60, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 200; i++) {
                store.storeMeta(NS, "small-" + i, new byte[100], Precondition.any());
            }
            assertThat(large).as("the large write is still stuck in its body").isNotDone();
            release.countDown();
            large.get(60, TimeUnit.SECONDS);
            try (Content c = store.readState(NS, "large")) {
                assertThat(new PseudoRandomStream(9, size).firstDifference(c.stream())).isEqualTo(-1);
            }
        }
    }
}
