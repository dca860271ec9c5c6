package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.conformance.LeakCheckingTest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The durable point's wait: a waiter parked for a minute is woken by a move past its target, or by
 * a wake-up once it has given up, never left to its timeout. Each waiter is parked before the main
 * thread acts, so a missing wake-up shows as the test's timeout rather than as a lucky race.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DurablePointTest extends LeakCheckingTest {
    private static final long A_MINUTE = TimeUnit.MINUTES.toNanos(1);
    private static final Checkpoints.Point START = new Checkpoints.Point(1, 100, 10);
    private static final Checkpoints.Point TARGET = new Checkpoints.Point(1, 400, 13);

    private final DurablePoint durable = new DurablePoint(START);

    @Test
    void aPointAlreadyPassedNeedsNoWait() throws InterruptedException {
        assertThat(durable.await(START, 0, () -> false)).isTrue();
        durable.moveTo(new Checkpoints.Point(2, 0, 13));
        assertThat(durable.await(TARGET, 0, () -> false)).as("a later segment is past any offset of an earlier one").isTrue();
    }

    @Test
    void withoutTimeLeftAPointNotReachedIsReportedAtOnce() throws InterruptedException {
        assertThat(durable.await(TARGET, 0, () -> false)).isFalse();
    }

    @Test
    void aMovePastTheTargetWakesTheWaiter() throws Exception {
        CompletableFuture<Boolean> waited = parkedWaiter(() -> false);
        durable.moveTo(new Checkpoints.Point(1, 200, 11));
        awaitParked();
        assertThat(waited).as("a move short of the target").isNotDone();
        durable.moveTo(TARGET);
        assertThat(waited.get(20, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aWaiterThatGivesUpIsWokenToSeeIt() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        CompletableFuture<Boolean> waited = parkedWaiter(failed::get);
        failed.set(true);
        durable.wakeWaiters();
        assertThat(waited.get(20, TimeUnit.SECONDS)).isFalse();
        assertThat(durable.get()).isEqualTo(START);
    }

    private Thread waiter;

    @AfterEach
    void joinWaiter() throws InterruptedException {
        if (waiter != null) {
            waiter.join();
        }
    }

    /** Starts a thread that waits a minute for {@link #TARGET}, and returns once it is parked. */
    private CompletableFuture<Boolean> parkedWaiter(java.util.function.BooleanSupplier givenUp) {
        CompletableFuture<Boolean> waited = new CompletableFuture<>();
        waiter = new Thread(() -> {
            try {
                waited.complete(durable.await(TARGET, A_MINUTE, givenUp));
            } catch (Throwable t) {
                waited.completeExceptionally(t);
            }
        }, "durable-point-waiter");
        waiter.start();
        awaitParked();
        return waited;
    }

    private void awaitParked() {
        while (waiter.getState() != Thread.State.TIMED_WAITING) {
            Thread.onSpinWait();
        }
    }
}
