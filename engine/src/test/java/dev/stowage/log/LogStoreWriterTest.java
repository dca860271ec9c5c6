package dev.stowage.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.StorageException;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The writer's batch semantics: CAS within a batch, failed syncs, group commit. */
class LogStoreWriterTest extends LeakCheckingTest {
    private static final String NS = "w";

    @TempDir
    Path dir;

    /** A builder for the store under test; {@link PositionalIoTest} runs every test in NFS mode. */
    LogStore.Builder builder() {
        return LogStore.builder(dir);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** DESIGN.md §10: a create-only write must see a not-yet-committed create of the same key. */
    @Test
    void createOnlyWritesInOneBatchHaveExactlyOneWinner() {
        try (LogStore store = builder().open()) {
            for (int round = 0; round < 200; round++) {
                List<CompletableFuture<String>> attempts = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    attempts.add(store.storeMetaAsync(NS, "key-" + round, bytes("attempt " + i), Precondition.mustNotExist()));
                }
                int winners = 0;
                for (CompletableFuture<String> f : attempts) {
                    try {
                        f.join();
                        winners++;
                    } catch (CompletionException e) {
                        assertThat(e.getCause()).isInstanceOf(PreconditionFailedException.class);
                    }
                }
                assertThat(winners).as("round %d", round).isEqualTo(1);
            }
        }
    }

    @Test
    void chainedCasInOneBatchSeesTheBatchsOwnWrites() {
        try (LogStore store = builder().open()) {
            String e1 = store.storeMeta(NS, "chain", bytes("0"), Precondition.any());
            CompletableFuture<String> second = store.storeMetaAsync(NS, "chain", bytes("1"), Precondition.ifMatch(e1));
            CompletableFuture<String> stale = store.storeMetaAsync(NS, "chain", bytes("x"), Precondition.ifMatch(e1));
            assertThat(second.join()).isNotEqualTo(e1);
            assertThatThrownBy(stale::join).hasCauseInstanceOf(PreconditionFailedException.class);
            assertThat(store.readMeta(NS, "chain").toByteArray()).isEqualTo(bytes("1"));
        }
    }

    /** DESIGN.md §10: after a failed sync the batch must not reappear after restart. */
    @Test
    void failedSyncFailsTheWholeBatchCutsItAndRefusesFurtherWrites() {
        AtomicBoolean failSyncs = new AtomicBoolean();
        Syncer flaky = (segment, from, to) -> {
            if (failSyncs.get()) {
                throw new UncheckedIOException(new IOException("EIO (injected)"));
            }
            segment.force(from, to);
        };
        try (LogStore store = builder().syncer(flaky).open()) {
            store.storeMeta(NS, "before", bytes("durable"), Precondition.any());
            failSyncs.set(true);
            List<CompletableFuture<String>> batch = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                batch.add(store.storeMetaAsync(NS, "lost-" + i, bytes("never acknowledged"), Precondition.any()));
            }
            for (CompletableFuture<String> f : batch) {
                assertThatThrownBy(f::join).hasCauseInstanceOf(StorageException.class).hasMessageContaining("sync failed");
            }
            assertThatThrownBy(() -> store.readMeta(NS, "lost-0")).isInstanceOf(NotFoundException.class);
            failSyncs.set(false);
            assertThatThrownBy(() -> store.storeMeta(NS, "after", bytes("x"), Precondition.any()))
                .isInstanceOf(StorageException.class).hasMessageContaining("reopen");
        }
        try (LogStore store = builder().open()) {
            assertThat(store.readMeta(NS, "before").toByteArray()).isEqualTo(bytes("durable"));
            for (int i = 0; i < 8; i++) {
                int k = i;
                assertThatThrownBy(() -> store.readMeta(NS, "lost-" + k)).isInstanceOf(NotFoundException.class);
            }
            store.storeMeta(NS, "after", bytes("works again"), Precondition.any());
        }
    }

    /**
     * SYNC durability outside the NFS mode: the writer appends while a batch is being synced, sees
     * that batch's writes in its checks (readers do not), and a failed sync cuts both batches.
     */
    @Test
    void writesAppendedWhileABatchIsSyncedSeeItAndAFailedSyncCutsThemAll() throws Exception {
        AtomicBoolean failSyncs = new AtomicBoolean();
        HeldSyncer holdingSyncer = new HeldSyncer((segment, from, to) -> {
            if (failSyncs.get()) {
                throw new UncheckedIOException(new IOException("EIO (injected)"));
            }
            segment.force(from, to);
        });
        try (LogStore store = builder().syncer(holdingSyncer).open()) {
            org.junit.jupiter.api.Assumptions.assumeFalse(store.nfsMode(), "the NFS mode syncs on the writer thread");
            store.storeMeta(NS, "before", bytes("durable"), Precondition.any());
            holdingSyncer.arm();
            failSyncs.set(true);
            CompletableFuture<String> first = store.storeMetaAsync(NS, "first", bytes("1"), Precondition.mustNotExist());
            assertThat(holdingSyncer.awaitHeld(1, java.util.concurrent.TimeUnit.MINUTES)).as("the sync of the first batch began").isTrue();
            // Checked and refused while the first batch's sync is held: the writer is not waiting for it.
            assertThatThrownBy(() -> store.storeMeta(NS, "first", bytes("2"), Precondition.mustNotExist()))
                .isInstanceOf(PreconditionFailedException.class);
            assertThatThrownBy(() -> store.readMeta(NS, "first")).isInstanceOf(NotFoundException.class);
            CompletableFuture<String> second = store.storeMetaAsync(NS, "second", bytes("2"), Precondition.any());
            // Commands are checked in order, so once this is refused "second" has been appended.
            assertThatThrownBy(() -> store.storeMeta(NS, "second", bytes("3"), Precondition.mustNotExist()))
                .isInstanceOf(PreconditionFailedException.class);
            assertThat(store.listMeta(NS, dev.stowage.ListRequest.all()).items()).as("listed before the sync")
                .extracting(dev.stowage.EntryInfo::key).containsExactly("before");
            holdingSyncer.release();
            for (CompletableFuture<String> f : List.of(first, second)) {
                assertThatThrownBy(f::join).hasCauseInstanceOf(StorageException.class).hasMessageContaining("sync failed");
            }
            assertThat(store.listMeta(NS, dev.stowage.ListRequest.all()).items())
                .extracting(dev.stowage.EntryInfo::key).containsExactly("before");
        }
        try (LogStore store = builder().open()) {
            assertThat(store.readMeta(NS, "before").toByteArray()).isEqualTo(bytes("durable"));
            assertThatThrownBy(() -> store.readMeta(NS, "first")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> store.readMeta(NS, "second")).isInstanceOf(NotFoundException.class);
        }
    }

    /**
     * The seal's sync fails: on the appending thread, which cuts the batch in flight, or with
     * {@link LogStore.Builder#backgroundSync} (outside the NFS mode) on the {@link Sealer}'s, while
     * appends go on in the next segment. Either way the store then refuses writes, and every write
     * it acknowledged is there after a reopen.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void failedSyncWhileSealingASegmentLosesNoAcknowledgedWrite(boolean backgroundSync) throws IOException {
        AtomicBoolean failSyncs = new AtomicBoolean();
        Syncer flaky = (segment, from, to) -> {
            if (failSyncs.get()) {
                throw new UncheckedIOException(new IOException("EIO while sealing (injected)"));
            }
            segment.force(from, to);
        };
        List<String> acked = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        try (LogStore store = builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).durability(Durability.none())
            .backgroundSync(backgroundSync).syncer(flaky).open()) {
            failSyncs.set(true);
            // Buffered writes are never synced per batch, so the first sync is the one that seals the segment.
            for (int i = 0; i < 200; i++) {
                String key = "k" + i;
                try {
                    store.storeMeta(NS, key, new byte[1000], Precondition.any());
                    acked.add(key);
                } catch (StorageException e) {
                    failed.add(key);
                }
            }
            assertThatThrownBy(store::sync).isInstanceOf(StorageException.class);
        }
        assertThat(acked).isNotEmpty();
        assertThat(failed).isNotEmpty();
        try (LogStore store = builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            for (String key : acked) {
                assertThat(store.readMeta(NS, key).size()).as(key).isEqualTo(1000);
            }
            for (String key : failed) {
                assertThatThrownBy(() -> store.readMeta(NS, key)).as(key).isInstanceOf(NotFoundException.class);
            }
        }
        assertThat(StoreRoot.readManifest(dir).unsyncedFrom()).as("synced by the SYNC writer's open").isEqualTo(StoreRoot.ALL_SYNCED);
    }

    @Test
    void failedSealOfASegmentInTheMiddleOfABatchCutsTheRecordsOnBothSides() {
        // Fail the sync that seals segment 1: the batch in flight then has records at the end of
        // segment 1 and at the start of segment 2; all of them must be cut, none acknowledged.
        AtomicBoolean armed = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger sealFailures = new java.util.concurrent.atomic.AtomicInteger();
        Syncer failSeal = (segment, from, to) -> {
            if (armed.get() && segment.id() == 1 && to > segment.capacity() - 2 * 2048) {
                sealFailures.incrementAndGet();
                throw new UncheckedIOException(new IOException("EIO while sealing segment 1 (injected)"));
            }
            segment.force(from, to);
        };
        List<String> acked = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        try (LogStore store = builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).syncer(failSeal).open()) {
            for (int i = 0; i < 10; i++) {
                store.storeMeta(NS, "before-" + i, new byte[1500], Precondition.any());
                acked.add("before-" + i);
            }
            armed.set(true);
            List<CompletableFuture<String>> inFlight = new ArrayList<>();
            for (int i = 0; i < 80; i++) {
                inFlight.add(store.storeMetaAsync(NS, "k" + i, new byte[1500], Precondition.any()));
            }
            for (int i = 0; i < inFlight.size(); i++) {
                try {
                    inFlight.get(i).join();
                    acked.add("k" + i);
                } catch (java.util.concurrent.CompletionException e) {
                    assertThat(e).hasCauseInstanceOf(StorageException.class);
                    failed.add("k" + i);
                }
            }
        }
        assertThat(sealFailures.get()).as("the seal sync ran and failed").isEqualTo(1);
        assertThat(failed).as("the batch that crossed the segment boundary").isNotEmpty();
        try (LogStore store = builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            for (String key : acked) {
                assertThat(store.readMeta(NS, key).size()).as(key).isEqualTo(1500);
            }
            for (String key : failed) {
                assertThatThrownBy(() -> store.readMeta(NS, key)).as(key).isInstanceOf(NotFoundException.class);
            }
        }
    }

    /** NONE durability syncs nothing per write; {@link LogStore#sync()} syncs everything acknowledged before it. */
    @Test
    void syncMakesBufferedWritesDurable() {
        List<int[]> syncs = java.util.Collections.synchronizedList(new ArrayList<>());
        Syncer recording = (segment, from, to) -> {
            if (to > from) {
                syncs.add(new int[] {from, to});
            }
            segment.force(from, to);
        };
        try (LogStore store = builder().durability(Durability.none()).syncer(recording).open()) {
            for (int i = 0; i < 3; i++) {
                store.storeMeta(NS, "k" + i, bytes("v" + i), Precondition.any());
            }
            assertThat(syncs).as("no sync per buffered write").isEmpty();
            store.sync();
            assertThat(syncs).hasSize(1);
            assertThat(syncs.get(0)[0]).isZero();
            assertThat(syncs.get(0)[1]).as("up to the end of the third record").isGreaterThan(3 * RecordDescriptor.HEADER_LENGTH);
            store.sync();
            assertThat(syncs).as("nothing new to sync").hasSize(1);
            store.storeMeta(NS, "k3", bytes("v3"), Precondition.any());
            store.sync();
            assertThat(syncs).hasSize(2);
            assertThat(syncs.get(1)[0]).as("from where the last sync ended").isEqualTo(syncs.get(0)[1]);
        }
        LogStore closed = builder().open();
        closed.close();
        assertThatThrownBy(closed::sync).isInstanceOf(dev.stowage.ClosedException.class);
    }

    @Test
    void groupDurabilitySyncsUnderASteadyLoad() {
        java.util.concurrent.atomic.AtomicInteger syncs = new java.util.concurrent.atomic.AtomicInteger();
        Syncer counting = (segment, from, to) -> {
            if (to > from) {
                syncs.incrementAndGet();
            }
            segment.force(from, to);
        };
        try (LogStore store = builder().durability(Durability.group(java.time.Duration.ofMillis(1)))
            .syncer(counting).open()) {
            java.util.ArrayDeque<CompletableFuture<String>> inFlight = new java.util.ArrayDeque<>();
            for (int i = 0; i < 50_000; i++) {
                inFlight.add(store.storeMetaAsync(NS, "k" + (i % 1000), new byte[256], Precondition.any()));
                if (inFlight.size() == 64) {
                    inFlight.poll().join();
                }
            }
            inFlight.forEach(CompletableFuture::join);
            assertThat(syncs.get()).as("syncs while the ring never ran dry").isPositive();
        }
    }

    /**
     * Positional writes stage records off-heap in a buffer that holds the largest record, not a
     * whole batch: a batch of more bytes is written to the file in parts, and every part arrives.
     */
    @Test
    void batchesLargerThanTheLargestRecordKeepEveryValue() {
        java.util.Random random = new java.util.Random(42);
        byte[][] documents = new byte[40][];
        try (LogStore store = builder().open()) {
            List<CompletableFuture<String>> writes = new ArrayList<>();
            for (int i = 0; i < documents.length; i++) {
                documents[i] = new byte[200_000 + random.nextInt(50_000)];
                random.nextBytes(documents[i]);
                writes.add(store.storeMetaAsync(NS, "big" + i, documents[i], Precondition.any()));
            }
            writes.forEach(CompletableFuture::join);
            for (int i = 0; i < documents.length; i++) {
                assertThat(store.readMeta(NS, "big" + i).toByteArray()).as("big%d", i).isEqualTo(documents[i]);
            }
        }
        try (LogStore store = builder().open()) {
            assertThat(store.recoveryReport().repaired()).isFalse();
            for (int i = 0; i < documents.length; i++) {
                assertThat(store.readMeta(NS, "big" + i).toByteArray()).as("big%d after reopen", i).isEqualTo(documents[i]);
            }
        }
    }

    @Test
    void rollsAcrossManySegmentsKeepEveryValue() {
        try (LogStore store = builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            for (int i = 0; i < 500; i++) {
                store.storeMeta(NS, "r" + i, new byte[900 + i % 7], Precondition.any());
            }
        }
        try (LogStore store = builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            assertThat(store.recoveryReport().segments()).isGreaterThan(5);
            for (int i = 0; i < 500; i++) {
                assertThat(store.readMeta(NS, "r" + i).size()).isEqualTo(900 + i % 7);
            }
        }
    }

    @Test
    void invalidBuilderOptionsAreRejectedBeforeAnythingIsCreated() {
        assertThatThrownBy(() -> builder().segmentSize(1000).open()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("segmentSize");
        assertThatThrownBy(() -> builder().ringSize(1000).open()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("power of two");
        assertThatThrownBy(() -> builder().maxBatchOps(0).open()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().checkpointLogBytes(-1).open()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("checkpointLogBytes");
        assertThat(dir.resolve(StoreRoot.MANIFEST_FILE)).doesNotExist();
    }
}
