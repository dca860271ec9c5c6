package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.NotFoundException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under NONE durability a roll hands the sealed segment to the {@link Sealer} and appends go on
 * in the next segment; {@link LogStore#sync()} and close wait for the seal, and the manifest names
 * the first segment that may be unsynced ({@link StoreRoot#unsyncedFrom()}) for recovery.
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
        return LogStore.builder(dir).durability(durability).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).syncer(syncer)
            .compactionInterval(Duration.ZERO).checkpointInterval(Duration.ZERO);
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
    void aFailedSealFailsTheStoreAndKeepsEveryAcknowledgedWrite() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        Syncer failingSyncer = (segment, from, to) -> {
            if (failing.get()) {
                throw new UncheckedIOException(new IOException("EIO (injected)"));
            }
            segment.force(from, to);
        };
        List<String> acknowledged = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        try (LogStore store = builder(Durability.none(), failingSyncer).open()) {
            for (int i = 0; i < 300; i++) {
                try {
                    store.storeMeta(NS, "k" + i, VALUE, Precondition.any());
                    acknowledged.add("k" + i);
                } catch (StorageException e) {
                    assertThat(e).hasMessageContaining("syncing a sealed segment failed").hasMessageContaining("EIO (injected)");
                    refused.add("k" + i);
                }
            }
            assertThat(acknowledged).as("the first segment's writes at least").hasSizeGreaterThan(50);
            assertThat(refused).as("once the seal failed").isNotEmpty();
            assertThatThrownBy(store::sync).isInstanceOf(StorageException.class);
        }
        failing.set(false);
        try (LogStore store = builder(Durability.sync(), Syncer.REAL).open()) {
            for (String key : acknowledged) {
                assertThat(store.readMeta(NS, key).toByteArray()).as(key).isEqualTo(VALUE);
            }
            for (String key : refused) {
                assertThatThrownBy(() -> store.readMeta(NS, key)).as(key).isInstanceOf(NotFoundException.class);
            }
        }
        assertThat(unsyncedFrom()).as("synced by the SYNC writer's open").isEqualTo(StoreRoot.ALL_SYNCED);
    }
}
