package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Content;
import dev.stowage.ListRequest;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.LeakCheckingTest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LogStore.Builder#callerAppends}: a caller that finds the writer idle appends its own write;
 * one that finds it busy goes through the ring, behind what is already there. The timeout turns a
 * writer whose state two threads corrupted (its callers then wait forever) into a failure.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CallerAppendsTest extends LeakCheckingTest {
    private static final String NS = "c";
    /** Runs each task on a thread of its own: the workers block, and a shared pool may have too few threads. */
    private static final Executor ON_ITS_OWN_THREAD = task -> new Thread(task).start();

    @TempDir
    Path dir;

    private static ReplayableBody body(long value) {
        return ReplayableBody.ofBytes(ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }

    /** Under NONE durability, with either way of writing: a positional write is appended on the caller's thread too. */
    @ParameterizedTest
    @EnumSource(value = LogStore.WriteMode.class, names = {"MAPPED", "POSITIONAL"})
    void aCallerFindingTheWriterIdleIsAcknowledgedBeforeTheCallReturns(LogStore.WriteMode mode) {
        try (LogStore store = LogStore.builder(dir).durability(Durability.none()).writeMode(mode).open()) {
            for (int i = 0; i < 100; i++) {
                CompletableFuture<String> write = store.putObjectAsync(NS, "k" + i, body(i), ObjectAttributes.DEFAULT, Precondition.any());
                assertThat(write).as("write %d, appended by the calling thread", i).isCompleted();
            }
            assertThat(store.listObjects(NS, ListRequest.all()).items()).hasSize(100);
        }
    }

    /**
     * A writer thread that holds the role (here: stuck in a group sync, which runs on it without
     * background syncs) gets the caller's write through the ring, in order.
     */
    @Test
    void aCallerFindingTheWriterBusyQueuesBehindIt() throws Exception {
        HeldSyncer holding = new HeldSyncer();
        try (LogStore store = LogStore.builder(dir).durability(Durability.group(Duration.ofHours(1))).backgroundSync(false).syncer(holding).open()) {
            String first = store.putObject(NS, "k", body(1), ObjectAttributes.DEFAULT, Precondition.any());
            holding.arm();
            CompletableFuture<Void> sync = CompletableFuture.runAsync(store::sync);
            assertThat(holding.awaitHeld(1, TimeUnit.MINUTES)).as("the group sync began").isTrue();
            CompletableFuture<String> second = store.putObjectAsync(NS, "k", body(2), ObjectAttributes.DEFAULT, Precondition.ifMatch(first));
            CompletableFuture<String> stale = store.putObjectAsync(NS, "k", body(3), ObjectAttributes.DEFAULT, Precondition.ifMatch(first));
            assertThat(second).as("queued behind the sync that holds the writer").isNotDone();
            assertThat(stale).isNotDone();
            holding.release();
            sync.join();
            String etag = second.join();
            assertThat(stale).failsWithin(Duration.ofMinutes(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(PreconditionFailedException.class);
            assertThat(read(store, "k")).isEqualTo(new Counter(2, etag));
        }
    }

    /**
     * A caller that runs its write itself lends the store its bytes (the record is their only
     * copy); a write that goes through the ring has them copied before the call returns. Either
     * way an async caller may reuse its array or buffer as soon as the call returns: each stored
     * value is the bytes the call was given (a slice, a buffer's position to limit).
     */
    @Test
    void anAsyncCallerMayReuseItsBytesAsSoonAsTheCallReturns() throws Exception {
        HeldSyncer holding = new HeldSyncer();
        try (LogStore store = LogStore.builder(dir).durability(Durability.group(Duration.ofHours(1))).backgroundSync(false).syncer(holding).open()) {
            byte[] array = new byte[100];
            ByteBuffer direct = ByteBuffer.allocateDirect(200);
            List<CompletableFuture<String>> writes = new ArrayList<>();
            for (boolean writerBusy : new boolean[] {false, true}) {
                CompletableFuture<Void> sync = null;
                if (writerBusy) {
                    holding.arm();
                    sync = CompletableFuture.runAsync(store::sync);
                    assertThat(holding.awaitHeld(1, TimeUnit.MINUTES)).as("the group sync began").isTrue();
                }
                int seed = writerBusy ? 10 : 0;
                System.arraycopy(pattern(seed, 100), 0, array, 0, 100);
                writes.add(store.putObjectAsync(NS, "slice" + writerBusy, ReplayableBody.ofBytes(array, 10, 50),
                    ObjectAttributes.DEFAULT, Precondition.any()));
                System.arraycopy(pattern(seed + 1, 100), 0, array, 0, 100);
                direct.clear().put(pattern(seed + 2, 200)).position(20).limit(120);
                writes.add(store.putObjectAsync(NS, "buffer" + writerBusy, ReplayableBody.ofBuffer(direct.asReadOnlyBuffer()),
                    ObjectAttributes.DEFAULT, Precondition.any()));
                direct.clear().put(pattern(seed + 3, 200));
                assertThat(writes.subList(writes.size() - 2, writes.size())).as("writer busy: %s", writerBusy)
                    .allMatch(w -> w.isDone() != writerBusy);
                if (writerBusy) {
                    holding.release();
                    sync.join();
                }
            }
            writes.forEach(CompletableFuture::join);
            for (boolean writerBusy : new boolean[] {false, true}) {
                int seed = writerBusy ? 10 : 0;
                try (Content slice = store.getObject(NS, "slice" + writerBusy); Content buffer = store.getObject(NS, "buffer" + writerBusy)) {
                    assertThat(slice.stream().readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(pattern(seed, 100), 10, 60));
                    assertThat(buffer.stream().readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(pattern(seed + 2, 200), 20, 120));
                }
            }
        }
    }

    private static byte[] pattern(int seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * Callers that append themselves and commands that go through the ring (syncs, and writes of
     * callers that found the writer busy) take turns: compare-and-swap increments of shared
     * counters from several threads lose nothing and never reuse an ETag.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void casIncrementsStayExactWhileCallersAndTheWriterThreadTakeTurns(boolean positionalSync) throws Exception {
        int threads = 4;
        int incrementsPerThread = 400;
        String[] counters = {"n0", "n1", "n2"};
        try (LogStore store = withDurability(LogStore.builder(dir), Durability.group(Duration.ofMillis(1)), positionalSync)
            .segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            for (String counter : counters) {
                store.putObject(NS, counter, body(0), ObjectAttributes.DEFAULT, Precondition.mustNotExist());
            }
            Set<String> etags = ConcurrentHashMap.newKeySet();
            List<CompletableFuture<int[]>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Random random = new Random(7 + t);
                workers.add(CompletableFuture.supplyAsync(() -> {
                    int[] done = new int[counters.length];
                    for (int i = 0; i < incrementsPerThread; i++) {
                        int c = random.nextInt(counters.length);
                        while (true) {
                            Counter current = read(store, counters[c]);
                            try {
                                CompletableFuture<String> write = store.putObjectAsync(NS, counters[c], body(current.value() + 1),
                                    ObjectAttributes.DEFAULT, Precondition.ifMatch(current.etag()));
                                assertThat(etags.add(write.join())).as("a fresh ETag").isTrue();
                                done[c]++;
                                break;
                            } catch (CompletionException e) {
                                assertThat(e.getCause()).isInstanceOf(PreconditionFailedException.class);
                            }
                        }
                        if (random.nextInt(50) == 0) {
                            store.sync();
                        }
                    }
                    return done;
                }, ON_ITS_OWN_THREAD));
            }
            long[] expected = new long[counters.length];
            for (CompletableFuture<int[]> w : workers) {
                int[] done = w.get();
                for (int c = 0; c < counters.length; c++) {
                    expected[c] += done[c];
                }
            }
            for (int c = 0; c < counters.length; c++) {
                assertThat(read(store, counters[c]).value()).as(counters[c]).isEqualTo(expected[c]);
            }
            assertThat(expected[0] + expected[1] + expected[2]).isEqualTo((long) threads * incrementsPerThread);
        }
        try (LogStore reopened = LogStore.builder(dir).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            long sum = 0;
            for (String counter : counters) {
                sum += read(reopened, counter).value();
            }
            assertThat(sum).as("after reopen").isEqualTo((long) threads * incrementsPerThread);
        }
    }

    /**
     * A caller's writes apply in the order it issued them, whether it appended them itself or they
     * went through the ring behind others (never one appended directly ahead of an earlier one
     * still in the ring): the LSNs in their ETags rise, and each key ends at its last write.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void eachCallersWritesApplyInTheOrderItIssuedThem(boolean positionalSync) throws Exception {
        int writers = 3;
        int writesPerWriter = 5000;
        try (LogStore store = withDurability(LogStore.builder(dir), Durability.none(), positionalSync).open()) {
            AtomicBoolean done = new AtomicBoolean();
            CompletableFuture<Void> syncs = CompletableFuture.runAsync(() -> {
                while (!done.get()) {
                    store.sync();
                }
            }, ON_ITS_OWN_THREAD);
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                String key = "ordered" + w;
                workers.add(CompletableFuture.runAsync(() -> {
                    List<CompletableFuture<String>> writes = new ArrayList<>();
                    for (int i = 0; i < writesPerWriter; i++) {
                        writes.add(store.putObjectAsync(NS, key, body(i), ObjectAttributes.DEFAULT, Precondition.any()));
                    }
                    long previousLsn = -1;
                    for (CompletableFuture<String> write : writes) {
                        String etag = write.join();
                        long lsn = Long.parseLong(etag.substring(etag.lastIndexOf('-') + 1), 16);
                        assertThat(lsn).as("%s: LSN of the next write", key).isGreaterThan(previousLsn);
                        previousLsn = lsn;
                    }
                }, ON_ITS_OWN_THREAD));
            }
            for (CompletableFuture<Void> w : workers) {
                w.get();
            }
            done.set(true);
            syncs.get();
            for (int w = 0; w < writers; w++) {
                assertThat(read(store, "ordered" + w).value()).isEqualTo(writesPerWriter - 1);
            }
        }
    }

    /**
     * A caller whose thread is interrupted still appends its writes, across segment rolls (the wait
     * for the next prepared segment does not give way to the interrupt), and keeps its interrupt.
     */
    @Test
    void anInterruptedCallerAppendsAcrossRollsAndKeepsItsInterrupt() {
        byte[] value = new byte[8 * 1024];
        int writes = 40;
        try (LogStore store = LogStore.builder(dir).durability(Durability.none()).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            Thread.currentThread().interrupt();
            try {
                for (int i = 0; i < writes; i++) {
                    value[0] = (byte) i;
                    store.putObject(NS, "i" + i, ReplayableBody.ofBytes(value.clone()), ObjectAttributes.DEFAULT, Precondition.any());
                }
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
        assertWritesAfterReopen(writes, value.length);
    }

    /**
     * A positional write appended on the caller's thread goes through a file channel, which the
     * caller's interrupt closes: the write is repeated through the file opened again, the committer
     * (SYNC) or nobody (NONE) syncs it, and the caller keeps its interrupt. The small segments roll
     * often; under NONE a roll syncs, so the writer thread takes a record that does not fit.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anInterruptedCallersPositionalWritesAreAppendedAndItKeepsItsInterrupt(boolean sync) {
        byte[] value = new byte[8 * 1024];
        int writes = 40;
        try (LogStore store = LogStore.builder(dir).writeMode(LogStore.WriteMode.POSITIONAL)
            .durability(sync ? Durability.sync() : Durability.none()).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            List<CompletableFuture<String>> acknowledged = new ArrayList<>();
            Thread.currentThread().interrupt();
            try {
                for (int i = 0; i < writes; i++) {
                    value[0] = (byte) i;
                    acknowledged.add(store.putObjectAsync(NS, "i" + i, ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT,
                        Precondition.any()));
                    assertThat(Thread.currentThread().isInterrupted()).as("still interrupted after write %d", i).isTrue();
                }
            } finally {
                Thread.interrupted();
            }
            assertThat(acknowledged).allSatisfy(write -> assertThat(write).succeedsWithin(Duration.ofMinutes(1)));
            store.putObject(NS, "after", body(1), ObjectAttributes.DEFAULT, Precondition.any());
        }
        assertWritesAfterReopen(writes, value.length);
        try (LogStore reopened = LogStore.builder(dir).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            assertThat(read(reopened, "after").value()).isEqualTo(1);
        }
    }

    /** After a reopen, the store rolled more than three segments and object {@code "i" + n} holds byte {@code n} first. */
    private void assertWritesAfterReopen(int writes, int valueLength) {
        try (LogStore reopened = LogStore.builder(dir).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
            assertThat(reopened.recoveryReport().segments()).as("rolled").isGreaterThan(3);
            for (int i = 0; i < writes; i++) {
                try (Content stored = reopened.getObject(NS, "i" + i)) {
                    byte[] bytes = stored.readAllBytes();
                    assertThat(bytes).hasSize(valueLength);
                    assertThat(bytes[0]).isEqualTo((byte) i);
                }
            }
        }
    }

    /** {@code durability} with mapped writes, or SYNC durability with positional writes. */
    private static LogStore.Builder withDurability(LogStore.Builder builder, Durability durability, boolean positionalSync) {
        return positionalSync
            ? builder.durability(Durability.sync()).writeMode(LogStore.WriteMode.POSITIONAL)
            : builder.durability(durability).writeMode(LogStore.WriteMode.MAPPED);
    }

    /** A counter's value and the ETag of its version. */
    private record Counter(long value, String etag) {
    }

    private static Counter read(LogStore store, String key) {
        try (Content content = store.getObject(NS, key)) {
            return new Counter(ByteBuffer.wrap(content.readAllBytes()).getLong(), content.etag());
        }
    }
}
