package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit stage on its own: one sync for every batch queued behind a sync, outcomes in
 * submission order, a failed sync failing its batches and all later ones, back-pressure. Syncs go
 * through a recording {@link Syncer} that the first sync can be held in.
 */
class CommitterTest extends LeakCheckingTest {
    @TempDir
    Path dir;

    private Segment segment;
    private final List<int[]> syncs = Collections.synchronizedList(new ArrayList<>());
    private final List<String> outcomes = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch firstSyncEntered = new CountDownLatch(1);
    private final CountDownLatch releaseFirstSync = new CountDownLatch(1);
    private final AtomicBoolean failSyncs = new AtomicBoolean();

    private final Syncer recording = (s, from, to) -> {
        syncs.add(new int[] {from, to});
        firstSyncEntered.countDown();
        await(releaseFirstSync);
        if (failSyncs.get()) {
            throw new UncheckedIOException(new IOException("EIO (injected)"));
        }
    };

    private final Committer.Outcome<String> recordingOutcome = new Committer.Outcome<>() {
        @Override
        public void durable(String work) {
            outcomes.add(work + " durable");
        }

        @Override
        public void failed(String work, RuntimeException error) {
            outcomes.add(work + " failed: " + error.getMessage());
        }
    };

    @BeforeEach
    void createSegment() throws IOException {
        segment = Segment.create(dir, 1, 0, LogStore.Builder.MIN_SEGMENT_SIZE, Syncer.REAL, true, Segment.Zeros.SYNCED);
    }

    @AfterEach
    void releaseSegment() {
        segment.release();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(1, TimeUnit.MINUTES)).as("latch released").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Committer.Batch<String> batch(String name, int from, int to) {
        return new Committer.Batch<>(name, segment, from, to);
    }

    @Test
    void batchesQueuedDuringASyncShareTheNextSyncAndCompleteInOrder() {
        try (Committer<String> committer = new Committer<>(recording, recordingOutcome, 1 << 20, "stowage-test-committer")) {
            committer.start();
            committer.submit(batch("a", 0, 100));
            await(firstSyncEntered);
            committer.submit(batch("b", 100, 200));
            committer.submit(batch("c", 200, 300));
            committer.submit(batch("d", 300, 350));
            assertThat(outcomes).as("nothing is published before its sync returns").isEmpty();
            releaseFirstSync.countDown();
            committer.awaitIdle();
            assertThat(outcomes).containsExactly("a durable", "b durable", "c durable", "d durable");
            assertThat(syncs).extracting(r -> r[0] + "-" + r[1]).containsExactly("0-100", "100-350");
            assertThat(committer.completed()).isEqualTo(4);
        }
    }

    @Test
    void aFailedSyncFailsItsBatchesAndEveryLaterOneAndNothingIsSyncedAfterIt() {
        try (Committer<String> committer = new Committer<>(recording, recordingOutcome, 1 << 20, "stowage-test-committer")) {
            committer.start();
            failSyncs.set(true);
            committer.submit(batch("a", 0, 100));
            await(firstSyncEntered);
            committer.submit(batch("b", 100, 200));
            releaseFirstSync.countDown();
            committer.awaitIdle();
            failSyncs.set(false);
            committer.submit(batch("c", 200, 300));
            committer.awaitIdle();
            assertThat(outcomes).containsExactly("a failed: java.io.IOException: EIO (injected)",
                "b failed: java.io.IOException: EIO (injected)", "c failed: java.io.IOException: EIO (injected)");
            assertThat(syncs).as("one sync, the one that failed").hasSize(1);
        }
    }

    @Test
    void submitWaitsWhileTheBytesNotYetSyncedReachTheBound() throws Exception {
        try (Committer<String> committer = new Committer<>(recording, recordingOutcome, 150, "stowage-test-committer")) {
            committer.start();
            committer.submit(batch("a", 0, 100));
            await(firstSyncEntered);
            CountDownLatch submittedB = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                committer.submit(batch("b", 100, 200));
                submittedB.countDown();
            }, "test-writer");
            writer.start();
            // 100 bytes pending + 100 would exceed 150: the writer parks until the sync of "a" is done.
            while (writer.getState() != Thread.State.WAITING) {
                assertThat(writer.isAlive()).isTrue();
                Thread.onSpinWait();
            }
            assertThat(submittedB.getCount()).isEqualTo(1);
            releaseFirstSync.countDown();
            await(submittedB);
            writer.join();
            committer.awaitIdle();
            assertThat(outcomes).containsExactly("a durable", "b durable");
        }
    }

    @Test
    void aBatchLargerThanTheBoundIsTakenAlone() {
        releaseFirstSync.countDown();
        try (Committer<String> committer = new Committer<>(recording, recordingOutcome, 10, "stowage-test-committer")) {
            committer.start();
            committer.submit(batch("big", 0, 1000));
            committer.awaitIdle();
            assertThat(outcomes).containsExactly("big durable");
        }
    }

    @Test
    void anOutcomeThatThrowsFailsThatBatchAndLaterOnesAndTheThreadLivesOn() {
        releaseFirstSync.countDown();
        Committer.Outcome<String> throwing = new Committer.Outcome<>() {
            @Override
            public void durable(String work) {
                if (work.equals("b")) {
                    throw new IllegalStateException("bug while publishing (injected)");
                }
                recordingOutcome.durable(work);
            }

            @Override
            public void failed(String work, RuntimeException error) {
                outcomes.add(work + " failed");
            }
        };
        try (Committer<String> committer = new Committer<>(recording, throwing, 1 << 20, "stowage-test-committer")) {
            committer.start();
            committer.submit(batch("a", 0, 100));
            committer.awaitIdle();
            committer.submit(batch("b", 100, 200));
            committer.awaitIdle();
            committer.submit(batch("c", 200, 300));
            committer.awaitIdle();
            assertThat(outcomes).containsExactly("a durable", "b failed", "c failed");
        }
    }

    @Test
    void closeCompletesWhatWasSubmittedThenStops() {
        Committer<String> committer = new Committer<>(recording, recordingOutcome, 1 << 20, "stowage-test-committer");
        committer.start();
        committer.submit(batch("a", 0, 100));
        await(firstSyncEntered);
        committer.submit(batch("b", 100, 200));
        releaseFirstSync.countDown();
        committer.close();
        assertThat(outcomes).containsExactly("a durable", "b durable");
    }
}
