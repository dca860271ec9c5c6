package dev.stowage.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.ChangeEvent;
import dev.stowage.ChangeListener;
import dev.stowage.Content;
import dev.stowage.CorruptionException;
import dev.stowage.InvalidRequestException;
import dev.stowage.ListRequest;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.StorageException;
import dev.stowage.Stores;
import dev.stowage.Subscription;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-only followers: they see committed writes and only those, follow rolls, compaction and
 * writer restarts, feed their own change feed, and refuse what a superseded writer appended.
 * Deterministic tests drive the follower with {@link LogFollower#poll} and a poll interval of an hour.
 */
class LogFollowerTest extends LeakCheckingTest {
    private static final String NS = "fol";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private LogStore.Builder writer() {
        return LogStore.builder(dir).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).checkpointInterval(Duration.ZERO)
            .compactionInterval(Duration.ZERO).compactionBytesPerSecond(0).segmentDeleteGrace(Duration.ZERO);
    }

    private LogFollower manualFollower() {
        return LogFollower.builder(dir).pollInterval(Duration.ofHours(1)).open();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] read(Backend b, String key) {
        try (Content c = b.readState(NS, key)) {
            return c.readAllBytes();
        }
    }

    @Test
    void seesEveryCommittedWriteWithTheWritersEtagsAndRefusesWrites() throws Exception {
        try (LogStore store = writer().open(); LogFollower follower = LogFollower.builder(dir).open()) {
            List<String> etags = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                etags.add(store.writeState(NS, "s" + i, ReplayableBody.ofBytes(bytes("state " + i + " ".repeat(200 + i))), Precondition.any()));
                store.storeMeta(NS, "m" + i, bytes("meta " + i), Precondition.any());
            }
            String objectEtag = store.putObject(NS, "o", ReplayableBody.ofBytes(bytes("obj")), ObjectAttributes.contentType("text/x"),
                Precondition.mustNotExist());
            store.deleteMeta(NS, "m7", Precondition.any());
            String last = store.storeMeta(NS, "last", bytes("l"), Precondition.any());

            assertThat(follower.awaitApplied(last, WAIT)).isTrue();

            for (int i = 0; i < 300; i++) {
                try (Content c = follower.readState(NS, "s" + i)) {
                    assertThat(c.etag()).isEqualTo(etags.get(i));
                    assertThat(c.readAllBytes()).isEqualTo(bytes("state " + i + " ".repeat(200 + i)));
                }
            }
            assertThatThrownBy(() -> follower.readMeta(NS, "m7")).isInstanceOf(NotFoundException.class);
            assertThat(follower.headObject(NS, "o").etag()).isEqualTo(objectEtag);
            assertThat(follower.headObject(NS, "o").contentType()).isEqualTo("text/x");
            assertThat(follower.listMeta(NS, ListRequest.prefix("m").withLimit(1000)).items()).hasSize(299);
            assertThat(follower.listNamespaces()).containsExactly(NS);
            assertThat(LogFiles.segments(dir).size()).as("the writes crossed segment rolls").isGreaterThan(2);

            assertThatThrownBy(() -> follower.storeMeta(NS, "x", bytes("x"), Precondition.any()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("read-only");
            assertThatThrownBy(() -> follower.writeState(NS, "x", ReplayableBody.ofBytes(new byte[1]), Precondition.any()))
                .isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> follower.deleteObject(NS, "o", Precondition.any())).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> follower.awaitApplied("other-1", WAIT)).isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    void neverSeesAWriteBeforeItsSyncCompleted() throws Exception {
        HeldSyncer blocking = new HeldSyncer();
        try (LogStore store = writer().syncer(blocking).open(); LogFollower follower = manualFollower()) {
            String before = store.storeMeta(NS, "before", bytes("b"), Precondition.any());
            blocking.arm();
            CompletableFuture<String> pending = store.storeMetaAsync(NS, "pending", bytes("p"), Precondition.any());
            assertThat(blocking.awaitHeld(30, TimeUnit.SECONDS)).isTrue();

            // The record is in the mapping, but not synced, so not acknowledged and not committed.
            follower.poll(false);
            assertThat(follower.readMeta(NS, "before").etag()).isEqualTo(before);
            assertThatThrownBy(() -> follower.readMeta(NS, "pending")).isInstanceOf(NotFoundException.class);

            blocking.release();
            String etag = pending.get(30, TimeUnit.SECONDS);
            follower.poll(false);
            assertThat(follower.readMeta(NS, "pending").etag()).isEqualTo(etag);
        }
    }

    @Test
    void followsCompactionAndReleasesTheSegmentsItLeft() throws Exception {
        try (LogStore store = writer().compactionDeadRatio(0).open(); LogFollower follower = manualFollower()) {
            store.storeMeta(NS, "cold", bytes("kept through compaction"), Precondition.any());
            String etag = null;
            for (int round = 0; round < 40; round++) {
                for (int k = 0; k < 10; k++) {
                    etag = store.writeState(NS, "hot" + k, ReplayableBody.ofBytes(bytes("r" + round + " ".repeat(600))), Precondition.any());
                }
                follower.poll(false); // keeps up: maps each segment before compaction deletes it
            }
            int mappedBefore = LogStore.liveMappings();
            assertThat(store.compact().segmentsDeleted()).isPositive();
            store.storeMeta(NS, "after", bytes("a"), Precondition.any());
            follower.poll(true);

            assertThat(follower.readMeta(NS, "cold").toByteArray()).isEqualTo(bytes("kept through compaction"));
            assertThat(follower.readMeta(NS, "cold").etag()).isEqualTo(store.readMeta(NS, "cold").etag());
            assertThat(read(follower, "hot9")).isEqualTo(bytes("r39" + " ".repeat(600)));
            try (Content c = follower.readState(NS, "hot9")) {
                assertThat(c.etag()).isEqualTo(etag);
            }
            assertThat(LogStore.liveMappings()).as("writer and follower unmapped the compacted segments").isLessThan(mappedBefore);
        }
    }

    @Test
    void aFollowerThatFellBehindCompactionStopsWithAClearError() throws Exception {
        try (LogStore store = writer().compactionDeadRatio(0).open(); LogFollower follower = manualFollower()) {
            for (int round = 0; round < 100; round++) {
                store.writeState(NS, "hot", ReplayableBody.ofBytes(bytes("r" + round + " ".repeat(3000))), Precondition.any());
            }
            assertThat(store.compact().segmentsDeleted()).isPositive();
            assertThatThrownBy(() -> follower.poll(false)).isInstanceOf(StorageException.class).hasMessageContaining("fell behind");
        }
    }

    @Test
    void followsAWriterThatRestartsWithAHigherEpoch() throws Exception {
        String first;
        LogFollower follower;
        try (LogStore store = writer().open()) {
            first = store.storeMeta(NS, "a", bytes("1"), Precondition.any());
            follower = LogFollower.builder(dir).open();
        }
        try (follower) {
            assertThat(follower.awaitApplied(first, WAIT)).isTrue();
            try (LogStore store = writer().open()) {
                String second = store.storeMeta(NS, "a", bytes("2"), Precondition.ifMatch(first));
                assertThat(follower.awaitApplied(second, WAIT)).isTrue();
                assertThat(follower.readMeta(NS, "a").toByteArray()).isEqualTo(bytes("2"));
            }
        }
    }

    @Test
    void changeFeedDeliversAppliedChangesInCommitOrder() throws Exception {
        List<ChangeEvent> events = new CopyOnWriteArrayList<>();
        try (LogStore store = writer().open(); LogFollower follower = LogFollower.builder(dir).open();
             Subscription s = follower.subscribe(NS, "k", new ChangeListener() {
                 @Override
                 public void onChange(ChangeEvent event) {
                     events.add(event);
                 }
             })) {
            List<String> etags = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                etags.add(store.storeMeta(NS, "k" + (i % 5), bytes("v" + i), Precondition.any()));
            }
            store.storeMeta(NS, "other", bytes("not under the prefix"), Precondition.any());
            store.deleteMeta(NS, "k0", Precondition.any());
            String last = store.storeMeta(NS, "k-last", bytes("x"), Precondition.any());
            assertThat(follower.awaitApplied(last, WAIT)).isTrue();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (events.size() < 52 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(events).hasSize(52);
            for (int i = 0; i < 50; i++) {
                assertThat(events.get(i).key()).isEqualTo("k" + (i % 5));
                assertThat(events.get(i).etag()).isEqualTo(etags.get(i));
                assertThat(events.get(i).type()).isEqualTo(ChangeEvent.ChangeType.PUT);
            }
            assertThat(events.get(50).type()).isEqualTo(ChangeEvent.ChangeType.DELETE);
            assertThat(events.get(50).key()).isEqualTo("k0");
            assertThat(events).extracting(ChangeEvent::sequence).isSorted();
        }
    }

    /** A subscriber that blocks gets a gap and the events after it; the follower goes on applying. */
    @Test
    void aStalledSubscriberGetsAGapAndNeverStallsTheFollower() throws Exception {
        CountDownLatch unblock = new CountDownLatch(1);
        List<Long> gaps = new CopyOnWriteArrayList<>();
        List<ChangeEvent> after = new CopyOnWriteArrayList<>();
        try (LogStore store = writer().open(); LogFollower follower = LogFollower.builder(dir).open();
             Subscription s = follower.subscribe(NS, "", new ChangeListener() {
                 @Override
                 public void onChange(ChangeEvent event) {
                     try {
                         unblock.await();
                     } catch (InterruptedException e) {
                         Thread.currentThread().interrupt();
                     }
                     after.add(event);
                 }

                 @Override
                 public void onGap(long lastDelivered) {
                     gaps.add(lastDelivered);
                 }
             })) {
            List<CompletableFuture<String>> writes = new ArrayList<>();
            for (int i = 0; i < dev.stowage.feed.ChangeFeed.DEFAULT_QUEUE_CAPACITY + 500; i++) {
                writes.add(store.storeMetaAsync(NS, "k" + (i % 100), bytes("v" + i), Precondition.any()));
            }
            String last = null;
            for (CompletableFuture<String> w : writes) {
                last = w.join();
            }
            assertThat(follower.awaitApplied(last, WAIT)).as("applying goes on behind a stalled subscriber").isTrue();
            unblock.countDown();
            String marker = store.storeMeta(NS, "marker", bytes("m"), Precondition.any());
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (after.stream().noneMatch(e -> e.key().equals("marker")) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(gaps).as("the overflow is reported as a gap").isNotEmpty();
            assertThat(after.get(after.size() - 1).etag()).isEqualTo(marker);
            assertThat(after).extracting(ChangeEvent::sequence).isSorted();
        }
    }

    @Test
    void aWriterSupersededByAHigherEpochAppendsNothingMore() throws Exception {
        try (LogStore store = writer().open()) {
            String kept = store.storeMeta(NS, "kept", bytes("k"), Precondition.any());
            // As a new writer does when it opens: publish a higher epoch on the committed mark.
            try (CommitWatermark takeover = CommitWatermark.openForWriter(dir)) {
                CommitWatermark.Mark mark = takeover.read();
                takeover.publish(mark.epoch() + 1, mark.segmentId(), mark.offset(), mark.lsn());
            }
            assertThatThrownBy(() -> store.storeMeta(NS, "late", bytes("l"), Precondition.any()))
                .isInstanceOf(StorageException.class).hasMessageContaining("superseded");
            assertThat(store.readMeta(NS, "kept").etag()).isEqualTo(kept);
        }
        try (LogStore store = writer().open()) {
            assertThatThrownBy(() -> store.readMeta(NS, "late")).isInstanceOf(NotFoundException.class);
            assertThat(store.recoveryReport().repaired()).isFalse();
        }
    }

    /**
     * A record of a lower epoch after a higher one (what a superseded writer would leave) ends the
     * valid log at recovery and is refused by a follower.
     */
    @Test
    void aRecordOfALowerEpochAfterAHigherOneIsRefused() throws Exception {
        try (LogStore store = writer().open()) {
            store.storeMeta(NS, "first", bytes("1"), Precondition.any());
        }
        try (LogStore store = writer().open()) {
            store.storeMeta(NS, "second", bytes("2"), Precondition.any());
            store.storeMeta(NS, "zombie", bytes("3"), Precondition.any());
        }
        Path segment = LogFiles.segments(dir).get(0);
        int zombie = LogFiles.recordOffsets(segment).get(2);
        restampEpoch(segment, zombie, 1);
        // Checkpoints taken at close cover the record; a zombie's records come after them.
        try (var files = java.nio.file.Files.list(dir.resolve(Checkpoints.DIR))) {
            for (Path p : files.toList()) {
                java.nio.file.Files.delete(p);
            }
        }

        try (LogFollower follower = manualFollower()) {
            org.junit.jupiter.api.Assertions.fail("opened past a record of a superseded writer: " + follower);
        } catch (CorruptionException e) {
            assertThat(e.getMessage()).contains("superseded");
            assertThat(e.offset()).isEqualTo(zombie);
        }
        try (LogStore store = writer().open()) {
            assertThat(store.recoveryReport().truncationReason()).contains("superseded");
            assertThat(store.readMeta(NS, "second").toByteArray()).isEqualTo(bytes("2"));
            assertThatThrownBy(() -> store.readMeta(NS, "zombie")).isInstanceOf(NotFoundException.class);
        }
    }

    /** Rewrites a record's writer epoch with a valid CRC, as a writer of that epoch would have written it. */
    private static void restampEpoch(Path segment, int offset, int epoch) throws IOException {
        long seed = LogFiles.crcSeed(segment);
        MappedByteBuffer mapped;
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            mapped = c.map(FileChannel.MapMode.READ_WRITE, 0, c.size());
        }
        try {
            UnsafeBuffer buffer = new UnsafeBuffer(mapped);
            buffer.putInt(offset + RecordDescriptor.EPOCH_OFFSET, epoch, ByteOrder.LITTLE_ENDIAN);
            new RecordCodec().seal(buffer, offset, RecordCodec.frameLength(buffer, offset), seed);
            mapped.force();
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    @Test
    void opensFromAStoreUrlAndRejectsWriterOptions() {
        try (LogStore store = writer().open()) {
            String etag = store.storeMeta(NS, "u", bytes("url"), Precondition.any());
            String url = "disk://" + dir.toUri().getRawPath();
            try (Backend follower = Stores.open(url + "?mode=follower&pollInterval=2ms")) {
                assertThat(((LogFollower) follower).awaitApplied(etag, WAIT)).isTrue();
                assertThat(follower.readMeta(NS, "u").toByteArray()).isEqualTo(bytes("url"));
            }
            assertThatThrownBy(() -> Stores.open(url + "?mode=follower&durability=SYNC"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("configures the writer");
            assertThatThrownBy(() -> Stores.open(url + "?mode=reader")).isInstanceOf(InvalidRequestException.class);
            assertThatThrownBy(() -> Stores.open(url + "?pollInterval=1ms")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("mode=follower");
        }
    }

    @Test
    void aDirectoryNoWriterOpenedIsRefused() {
        assertThatThrownBy(() -> LogFollower.builder(dir.resolve("nothing")).open()).isInstanceOf(StorageException.class)
            .hasMessageContaining("not a logstore");
    }
}
