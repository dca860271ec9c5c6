package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Precondition;
import dev.stowage.StorageException;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under NONE (and GROUP) durability with {@link LogStore.Builder#backgroundSync} a roll hands the sealed
 * segment to the {@link Sealer} and appends go on in the next segment; {@link LogStore#sync()} and close wait for the seal, and the manifest names
 * the first segment that may be unsynced ({@link StoreRoot#unsyncedFrom()}) for recovery. A failed
 * seal: {@link LogStoreWriterTest#failedSyncWhileSealingASegmentLosesNoAcknowledgedWrite}; recovery:
 * {@link LogStoreRecoveryTest#damageInASegmentNotYetSyncedEndsTheLogThere}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BackgroundSealTest extends LeakCheckingTest {
    private static final String NS = "seal";
    private static final byte[] VALUE = filled(1000);

    @TempDir
    Path dir;

    private static byte[] filled(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) 3);
        return b;
    }

    private LogStore.Builder builder(Durability durability, Syncer syncer) {
        return LogStore.builder(dir).durability(durability).backgroundSync(true).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE)
            .syncer(syncer).compactionInterval(Duration.ZERO).checkpointInterval(Duration.ZERO);
    }

    /** Syncs for real and adds where each sync ended to {@code ends}. */
    private static Syncer endsRecordedIn(List<Integer> ends) {
        return (segment, from, to) -> {
            segment.force(from, to);
            ends.add(to);
        };
    }

    private long unsyncedFrom() throws IOException {
        return StoreRoot.readManifest(dir).unsyncedFrom();
    }

    /** Writes k0, k1, ... until segment 2 holds a few records; returns how many. */
    private int writeIntoTheSecondSegment(LogStore store) throws IOException {
        int written = 0;
        for (; LogFiles.segments(dir).size() < 2 || LogFiles.recordOffsets(LogFiles.segments(dir).get(1)).size() < 3; written++) {
            store.storeMeta(NS, "k" + written, VALUE, Precondition.any());
        }
        return written;
    }

    @Test
    void aRollHandsTheSealedSegmentOverAndSyncWaitsForItsSync() throws Exception {
        List<String> synced = Collections.synchronizedList(new ArrayList<>());
        HeldSyncer held = new HeldSyncer((segment, from, to) -> {
            segment.force(from, to);
            synced.add("segment " + segment.id());
        });
        try (LogStore store = builder(Durability.none(), held).open()) {
            assertThat(unsyncedFrom()).as("recorded at open, before any roll").isEqualTo(1);
            held.arm();
            int written = writeIntoTheSecondSegment(store);
            assertThat(held.awaitHeld(1, TimeUnit.MINUTES)).as("segment 1's seal began").isTrue();
            // Every write after the roll was acknowledged while segment 1's sync was held.
            assertThat(synced).isEmpty();
            assertThat(unsyncedFrom()).isEqualTo(1);
            assertThat(store.readMeta(NS, "k" + (written - 1)).toByteArray()).isEqualTo(VALUE);

            Thread syncing = new Thread(store::sync);
            syncing.start();
            while (syncing.getState() != Thread.State.WAITING && syncing.getState() != Thread.State.TERMINATED) {
                Thread.onSpinWait();
            }
            held.release();
            syncing.join();
            assertThat(synced).as("sync() syncs the active segment only after the sealed one").containsExactly("segment 1", "segment 2");
            assertThat(unsyncedFrom()).isEqualTo(2);
        }
        try (LogStore store = builder(Durability.sync(), Syncer.REAL).open()) {
            assertThat(store.recoveryReport().repaired()).isFalse();
            assertThat(unsyncedFrom()).as("a SYNC writer syncs every segment as it seals it").isEqualTo(StoreRoot.ALL_SYNCED);
        }
        try (LogStore store = builder(Durability.none(), Syncer.REAL).open()) {
            assertThat(unsyncedFrom()).as("the active segment").isEqualTo(2);
        }
    }

    @Test
    void writesGoOnWhileTheSealerSyncsTheActiveSegment() throws Exception {
        List<String> synced = Collections.synchronizedList(new ArrayList<>());
        HeldSyncer held = new HeldSyncer((segment, from, to) -> {
            segment.force(from, to);
            synced.add("segment " + segment.id() + " to " + to);
        });
        try (LogStore store = builder(Durability.none(), held).open()) {
            store.storeMeta(NS, "before", VALUE, Precondition.any());
            held.arm();
            FutureTask<Void> sync = new FutureTask<>(store::sync, null);
            Thread syncing = new Thread(sync);
            syncing.start();
            try {
                assertThat(held.awaitHeld(1, TimeUnit.MINUTES)).as("the sync began").isTrue();
                // The role holder once ran this sync itself, and every write waited for the disk behind it.
                for (int i = 0; i < 20; i++) {
                    assertThat(store.storeMetaAsync(NS, "during-" + i, VALUE, Precondition.any()).get(30, TimeUnit.SECONDS)).isNotNull();
                }
                assertThat(sync.isDone()).as("sync() returns only once its range is durable").isFalse();
                assertThat(synced).isEmpty();
            } finally {
                held.release(); // lets the store close if an assertion failed
            }
            sync.get(1, TimeUnit.MINUTES);
            syncing.join();
            assertThat(synced).hasSize(1);
            store.sync();
            assertThat(synced).as("the next sync takes the writes made during the first").hasSize(2);
            assertThat(store.readMeta(NS, "during-19").toByteArray()).isEqualTo(VALUE);
        }
    }

    /**
     * Under GROUP an interval's sync runs on the sealer too, and a tick asks for none while the
     * last one is queued or running: the first sync after a held one takes every write made while
     * it was held, rather than one small sync per tick piling up behind it.
     */
    @Test
    void groupSyncsRunBesideTheWritesAndATickWaitsForTheLastOne() throws Exception {
        List<Integer> syncedTo = Collections.synchronizedList(new ArrayList<>());
        HeldSyncer held = new HeldSyncer(endsRecordedIn(syncedTo));
        long tick = TimeUnit.MILLISECONDS.toNanos(1);
        try (LogStore store = builder(Durability.group(Duration.ofNanos(tick)), held).open()) {
            held.arm();
            store.storeMeta(NS, "before", VALUE, Precondition.any());
            try {
                assertThat(held.awaitHeld(1, TimeUnit.MINUTES)).as("a tick's sync began").isTrue();
                // Two ticks between writes, so that syncs asked for at every tick would each end at a different write.
                long start = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    while (System.nanoTime() - start < 2 * tick * i) {
                        Thread.onSpinWait();
                    }
                    assertThat(store.storeMetaAsync(NS, "during-" + i, VALUE, Precondition.any()).get(30, TimeUnit.SECONDS)).isNotNull();
                }
                assertThat(syncedTo).as("the held sync is on the sealer: the writes were acknowledged meanwhile").isEmpty();
            } finally {
                held.release(); // lets the store close if an assertion failed
            }
            store.sync();
            assertThat(syncedTo).hasSizeGreaterThanOrEqualTo(2);
            assertThat(syncedTo.get(1)).as("the sync after the held one ends where the writes did")
                .isEqualTo(syncedTo.get(syncedTo.size() - 1));
            assertThat(store.readMeta(NS, "during-19").toByteArray()).isEqualTo(VALUE);
        }
    }

    /** A GROUP tick syncs what was written since the last sync, and nothing once all of it is durable. */
    @Test
    void groupTicksSyncNewWritesOnlyAndLeaveAnIdleStoreAlone() throws Exception {
        List<Integer> syncedTo = Collections.synchronizedList(new ArrayList<>());
        Syncer recording = endsRecordedIn(syncedTo);
        long tick = TimeUnit.MILLISECONDS.toNanos(1);
        try (LogStore store = builder(Durability.group(Duration.ofNanos(tick)), recording).open()) {
            for (int round = 1; round <= 3; round++) {
                store.storeMeta(NS, "k" + round, VALUE, Precondition.any());
                while (syncedTo.size() < round) {
                    Thread.onSpinWait(); // the next tick's sync (the test's timeout if none comes)
                }
                // Fifty ticks with nothing new to sync.
                long idleUntil = System.nanoTime() + 50 * tick;
                while (System.nanoTime() < idleUntil) {
                    Thread.onSpinWait();
                }
                assertThat(syncedTo).as("one sync per write, round %d", round).hasSize(round);
            }
        }
    }

    @Test
    void aSyncBehindAFailedSealFailsWithoutSyncing() throws Exception {
        List<Long> synced = Collections.synchronizedList(new ArrayList<>());
        HeldSyncer held = new HeldSyncer((segment, from, to) -> {
            synced.add(segment.id());
            throw new UncheckedIOException(new IOException("EIO while sealing (injected)"));
        });
        try (LogStore store = builder(Durability.none(), held).open()) {
            held.arm();
            writeIntoTheSecondSegment(store);
            assertThat(held.awaitHeld(1, TimeUnit.MINUTES)).as("segment 1's seal began").isTrue();
            FutureTask<Void> sync = new FutureTask<>(store::sync, null);
            Thread syncing = new Thread(sync);
            syncing.start();
            while (syncing.getState() != Thread.State.WAITING && syncing.getState() != Thread.State.TERMINATED) {
                Thread.onSpinWait();
            }
            // Most often the sync is queued behind the held seal by now; if not, it finds the store failed.
            held.release();
            assertThatThrownBy(() -> sync.get(1, TimeUnit.MINUTES)).hasCauseInstanceOf(StorageException.class);
            syncing.join();
            assertThat(synced).as("segment 2's bytes are never reported durable behind segment 1's failed seal").containsExactly(1L);
            assertThatThrownBy(() -> store.storeMeta(NS, "after", VALUE, Precondition.any())).isInstanceOf(StorageException.class);
        }
    }
}
