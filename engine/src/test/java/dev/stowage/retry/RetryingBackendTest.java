package dev.stowage.retry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stowage.Backend;
import dev.stowage.ClosedException;
import dev.stowage.Content;
import dev.stowage.CorruptionException;
import dev.stowage.InterruptedStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Operation;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.SpooledBody;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;
import dev.stowage.conformance.FaultInjectingBackend;
import dev.stowage.conformance.PseudoRandomStream;
import dev.stowage.memory.MemoryBackend;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class RetryingBackendTest {
    private static final String NS = "retry";
    private final MemoryBackend memory = new MemoryBackend();
    private final FaultInjectingBackend faulty = new FaultInjectingBackend(memory);
    private final ManualBackoffTimer timer = new ManualBackoffTimer();

    private RetryingBackend retrying(RetryPolicy policy) {
        return new RetryingBackend(faulty, policy, timer, new SplittableRandom(42));
    }

    @AfterEach
    void closeAll() {
        memory.close();
    }

    private static TransientStorageException transientFailure() {
        return new TransientStorageException("connection reset", new java.io.IOException("reset by peer"));
    }

    /** DESIGN.md §10 defect 1: a retry that reused a consumed body stored a truncated payload. */
    @Test
    void retriedWriteStoresTheWholeBodyEveryTime() throws Exception {
        long size = 3 * 1024 * 1024 + 5;
        faulty.consumeBeforeFailing(size / 2)
            .failNext(Operation.WRITE_STATE, 2, transientFailure())
            .failNext(Operation.PUT_OBJECT, 2, transientFailure());
        Backend backend = retrying(RetryPolicy.defaults());
        ReplayableBody body = ReplayableBody.ofSupplier(size, () -> new PseudoRandomStream(7, size));

        backend.writeState(NS, "s", body, Precondition.mustNotExist());
        backend.putObject(NS, "o", body, ObjectAttributes.DEFAULT, Precondition.mustNotExist());

        assertThat(faulty.calls(Operation.WRITE_STATE)).isEqualTo(3);
        assertThat(faulty.calls(Operation.PUT_OBJECT)).isEqualTo(3);
        try (Content c = memory.readState(NS, "s")) {
            assertThat(c.size()).isEqualTo(size);
            assertThat(new PseudoRandomStream(7, size).firstDifference(c.stream())).isEqualTo(-1);
        }
        try (Content c = memory.getObject(NS, "o")) {
            assertThat(new PseudoRandomStream(7, size).firstDifference(c.stream())).isEqualTo(-1);
        }
    }

    @Test
    void spooledOneShotStreamIsReplayedWholeAfterAPartialAttempt() throws Exception {
        byte[] payload = new byte[SpooledBody.MEMORY_THRESHOLD + 4096];
        new SplittableRandom(3).nextBytes(payload);
        faulty.consumeBeforeFailing(payload.length / 3).failNext(Operation.PUT_OBJECT, 1, transientFailure());
        Backend backend = retrying(RetryPolicy.defaults());
        try (SpooledBody body = ReplayableBody.spool(new ByteArrayInputStream(payload), payload.length)) {
            assertThat(body.spilled()).isTrue();
            backend.putObject(NS, "spooled", body, ObjectAttributes.DEFAULT, Precondition.any());
        }
        try (Content c = memory.getObject(NS, "spooled")) {
            assertThat(c.readAllBytes()).isEqualTo(payload);
        }
    }

    @Test
    void backoffGrowsExponentiallyWithinJitterAndCap() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(6).initialBackoff(Duration.ofMillis(100))
            .maxBackoff(Duration.ofMillis(500)).jitter(0.5).deadline(Duration.ofMinutes(1)).build();
        faulty.failNext(Operation.READ_META, 5, transientFailure());
        memory.storeMeta(NS, "k", "v".getBytes(UTF_8), Precondition.any());

        assertThat(retrying(policy).readMeta(NS, "k").toByteArray()).isEqualTo("v".getBytes(UTF_8));

        assertThat(timer.waits).hasSize(5);
        long[] nominalMillis = {100, 200, 400, 500, 500};
        for (int i = 0; i < nominalMillis.length; i++) {
            long nominal = TimeUnit.MILLISECONDS.toNanos(nominalMillis[i]);
            assertThat(timer.waits.get(i)).as("wait %d", i).isBetween(nominal / 2, nominal);
        }
    }

    @Test
    void exhaustedRetriesThrowTheLastTransientFailureWithEarlierOnesSuppressed() {
        TransientStorageException first = new TransientStorageException("first");
        TransientStorageException second = new TransientStorageException("second");
        TransientStorageException last = new TransientStorageException("last", new java.io.IOException("cause"));
        faulty.failNext(Operation.READ_META, 1, first).failNext(Operation.READ_META, 1, second)
            .failNext(Operation.READ_META, 1, last);
        Throwable thrown = catchThrowable(() -> retrying(RetryPolicy.builder().maxAttempts(3).build()).readMeta(NS, "k"));
        assertThat(thrown).isSameAs(last);
        assertThat(thrown.getCause()).hasMessage("cause");
        assertThat(thrown.getSuppressed()).containsExactly(first, second);
        assertThat(faulty.calls(Operation.READ_META)).isEqualTo(3);
    }

    @Test
    void deadlineStopsRetriesBeforeItPasses() {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(100).initialBackoff(Duration.ofMillis(400))
            .maxBackoff(Duration.ofMillis(400)).jitter(0).deadline(Duration.ofSeconds(1)).build();
        faulty.failNext(Operation.STORE_META, 100, transientFailure());
        long start = timer.nanoTime();

        assertThatThrownBy(() -> retrying(policy).storeMeta(NS, "k", new byte[1], Precondition.any()))
            .isInstanceOf(TransientStorageException.class);

        assertThat(faulty.calls(Operation.STORE_META)).isEqualTo(3);
        assertThat(timer.nanoTime() - start).isLessThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void nonTransientFailuresAreNeverRetried() {
        Backend backend = retrying(RetryPolicy.defaults());
        StorageException[] failures = {
            new NotFoundException(dev.stowage.Space.META, NS, "k"),
            new PreconditionFailedException(NS, "k", Precondition.mustNotExist(), "e1"),
            new CorruptionException("segment-1", 4096, "bad crc"),
            new InvalidRequestException("bad key"),
            new ClosedException("inner"),
        };
        int expectedCalls = 0;
        for (StorageException failure : failures) {
            faulty.failNext(Operation.READ_META, 1, failure);
            assertThat(catchThrowable(() -> backend.readMeta(NS, "k"))).isSameAs(failure);
            expectedCalls++;
            assertThat(faulty.calls(Operation.READ_META)).isEqualTo(expectedCalls);
        }
        assertThat(timer.waits).isEmpty();
    }

    /** DESIGN.md §10 defect 2: a backoff sleep that ignored interruption until it woke. */
    @Test
    @Timeout(30)
    void interruptDuringATenSecondBackoffReturnsAtOnceAndKeepsTheInterruptStatus() throws Exception {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofSeconds(10))
            .maxBackoff(Duration.ofSeconds(10)).jitter(0).deadline(Duration.ofMinutes(1)).build();
        faulty.failNext(Operation.READ_META, 1, transientFailure());
        RetryingBackend backend = new RetryingBackend(faulty, policy);
        AtomicLong interruptedAt = new AtomicLong();
        AtomicLong returnedAt = new AtomicLong();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                backend.readMeta(NS, "k");
            } catch (Throwable t) {
                returnedAt.set(System.nanoTime());
                thrown.set(t);
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        }, "retry-caller");
        caller.start();
        awaitState(caller, Thread.State.TIMED_WAITING);
        interruptedAt.set(System.nanoTime());
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedStorageException.class);
        assertThat(thrown.get().getSuppressed()).hasSize(1);
        assertThat(interruptKept.get()).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(returnedAt.get() - interruptedAt.get())).isLessThan(50);
        assertThat(faulty.calls(Operation.READ_META)).isEqualTo(1);
    }

    @Test
    @Timeout(30)
    void closeEndsABackoffWaitAtOnce() throws Exception {
        RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofSeconds(10))
            .maxBackoff(Duration.ofSeconds(10)).jitter(0).deadline(Duration.ofMinutes(1)).build();
        faulty.failNext(Operation.READ_META, 1, transientFailure());
        RetryingBackend backend = new RetryingBackend(faulty, policy);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> outcome.complete(catchThrowable(() -> backend.readMeta(NS, "k"))), "retry-caller");
        caller.start();
        awaitState(caller, Thread.State.TIMED_WAITING);
        backend.close();
        assertThat(outcome.get(10, TimeUnit.SECONDS)).isInstanceOf(ClosedException.class);
        assertThat(faulty.calls(Operation.READ_META)).isEqualTo(1);
    }

    @Test
    void capabilitiesPassThrough() {
        assertThat(retrying(RetryPolicy.defaults()).capabilities()).isSameAs(memory.capabilities());
    }

    @Test
    void policyValidatesOnBuild() {
        assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5).build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(2)).maxBackoff(Duration.ofSeconds(1)).build())
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RetryPolicy.builder().deadline(Duration.ZERO).build()).isInstanceOf(IllegalArgumentException.class);
    }

    /** Waits (without sleeping through any backoff) until {@code thread} parks in {@code state}. */
    private static void awaitState(Thread thread, Thread.State state) throws InterruptedException {
        while (thread.getState() != state) {
            if (!thread.isAlive()) {
                throw new AssertionError(thread.getName() + " ended before reaching " + state);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
