package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.StorageException;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory syncs (DESIGN.md §10: "no directory sync after creating or renaming segment,
 * checkpoint or manifest files"): a recording {@link Syncer} sees one for every file the store
 * creates, renames or deletes, and a failing one surfaces as a typed error that loses nothing.
 */
class DirectorySyncTest extends LeakCheckingTest {
    private static final String NS = "ns";

    @TempDir
    Path dir;

    private static long files(Path directory, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
        }
    }

    @Test
    void everyCreatedRenamedOrDeletedFileIsFollowedByASyncOfItsDirectory() throws Exception {
        Path root = dir.resolve("store");
        RecordingSyncer syncer = new RecordingSyncer();
        try (LogStore store = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).blobThreshold(4096)
            .syncer(syncer).open()) {
            assertThat(syncer.count(root)).as("store.meta written by rename").isGreaterThanOrEqualTo(1);
            for (int i = 0; i < 200; i++) {
                store.storeMeta(NS, "k" + i, new byte[1000], Precondition.any());
            }
            store.putObject(NS, "big", ReplayableBody.ofBytes(new byte[10_000]), ObjectAttributes.DEFAULT, Precondition.any());
            store.checkpoint();
        }
        Path segments = root.resolve("segments");
        assertThat(syncer.count(segments)).as("one sync per segment created")
            .isGreaterThanOrEqualTo(files(segments, ".seg")).isGreaterThan(2);
        assertThat(syncer.count(root.resolve(Checkpoints.DIR))).as("the checkpoint").isGreaterThanOrEqualTo(files(root.resolve(Checkpoints.DIR), ".ckpt")).isPositive();
        assertThat(syncer.count(root.resolve(BlobStore.DIR))).as("the blob file").isGreaterThanOrEqualTo(1);

        // Superseding the blob leaves an orphan that the next open deletes, and that deletion is synced too.
        try (LogStore store = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).blobThreshold(4096).open()) {
            store.putObject(NS, "big", ReplayableBody.ofBytes(new byte[10]), ObjectAttributes.DEFAULT, Precondition.any());
        }
        RecordingSyncer reopen = new RecordingSyncer();
        try (LogStore store = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).syncer(reopen).open()) {
            assertThat(store.headObject(NS, "big").size()).isEqualTo(10);
        }
        assertThat(files(root.resolve(BlobStore.DIR), ".blob")).isZero();
        assertThat(reopen.count(root.resolve(BlobStore.DIR))).as("orphan blob deleted, directory synced").isGreaterThanOrEqualTo(1);
    }

    @Test
    void failedSegmentDirectorySyncFailsTheWritesThatNeedTheSegmentAndLosesNothing() {
        Path root = dir.resolve("store");
        RecordingSyncer syncer = new RecordingSyncer();
        int written = 0;
        StorageException failure = null;
        try (LogStore store = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).syncer(syncer).open()) {
            syncer.failing = root.resolve("segments");
            for (int i = 0; i < 2_000 && failure == null; i++) {
                try {
                    store.storeMeta(NS, "k" + i, new byte[1000], Precondition.mustNotExist());
                    written++;
                } catch (StorageException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("a failed directory sync must surface").isNotNull();
            assertThat(failure).hasStackTraceContaining("injected: directory sync");
            for (int i = 0; i < written; i++) {
                assertThat(store.readMeta(NS, "k" + i).size()).isEqualTo(1000);
            }
        }
        try (LogStore store = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).open()) {
            for (int i = 0; i < written; i++) {
                assertThat(store.readMeta(NS, "k" + i).size()).isEqualTo(1000);
            }
            int failed = written;
            assertThatThrownBy(() -> store.readMeta(NS, "k" + failed)).isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void failedCheckpointOrManifestSyncIsATypedErrorAndTheStoreGoesOn() {
        Path root = dir.resolve("store");
        RecordingSyncer syncer = new RecordingSyncer();
        try (LogStore store = LogStore.builder(root).syncer(syncer).open()) {
            store.storeMeta(NS, "k", new byte[] {1}, Precondition.any());
            syncer.failing = root.resolve(Checkpoints.DIR);
            assertThatThrownBy(store::checkpoint).isInstanceOf(StorageException.class).hasStackTraceContaining("injected");
            syncer.failing = null;
            store.storeMeta(NS, "k2", new byte[] {2}, Precondition.any());
        }
        RecordingSyncer failingRoot = new RecordingSyncer();
        failingRoot.failing = root;
        assertThatThrownBy(() -> LogStore.builder(root).syncer(failingRoot).open()).isInstanceOf(StorageException.class)
            .hasStackTraceContaining("injected");
        try (LogStore store = LogStore.builder(root).open()) {
            assertThat(store.readMeta(NS, "k2").size()).as("the failed open released the root").isEqualTo(1);
        }
    }
}
