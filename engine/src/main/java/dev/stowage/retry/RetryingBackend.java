package dev.stowage.retry;

import dev.stowage.Backend;
import dev.stowage.ClosedException;
import dev.stowage.ForwardingBackend;
import dev.stowage.InterruptedStorageException;
import dev.stowage.Operation;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.TransientStorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Retries calls that fail with {@link TransientStorageException}, as {@link RetryPolicy} says, and
 * nothing else: not-found, precondition, corruption, invalid-request, closed and interrupted
 * outcomes return at once.
 *
 * <p><b>Bodies</b>: every attempt of a write passes the same {@link ReplayableBody} to the wrapped
 * backend, which opens it from its first byte, so a retried write stores the whole payload.
 *
 * <p><b>Waiting</b>: the wait between attempts ends at once when the thread is interrupted (the
 * call fails with {@link InterruptedStorageException}, interrupt status kept), when the policy's
 * deadline would pass (the last transient failure is thrown) or when this backend is closed
 * ({@link ClosedException}).
 *
 * <p><b>Failures</b>: when retries are exhausted, the last {@link TransientStorageException} is
 * thrown as it was (same type, message and cause), with the earlier failures attached as
 * suppressed exceptions.
 *
 * <p><b>Ambiguity</b>: a transient failure of a write may hide a write that was applied. A retry
 * under {@code mustNotExist()} or {@code ifMatch} may then fail with
 * {@link PreconditionFailedException} although the first attempt succeeded; callers that need to
 * tell apart re-read the entry.
 *
 * <p>Thread-safe if the wrapped backend is. Capabilities pass through unchanged.
 */
public final class RetryingBackend extends ForwardingBackend {
    private final RetryPolicy policy;
    private final BackoffTimer timer;
    private final RandomGenerator random;
    private volatile boolean closed;

    /** Retries on real time. */
    public RetryingBackend(Backend delegate, RetryPolicy policy) {
        this(delegate, policy, BackoffTimer.system(), new SplittableRandom());
    }

    /**
     * @param timer  the clock and wait (inject a virtual one in tests)
     * @param random source of jitter; used under a lock, so any generator will do
     */
    public RetryingBackend(Backend delegate, RetryPolicy policy, BackoffTimer timer, RandomGenerator random) {
        super(delegate);
        if (policy == null || timer == null || random == null) {
            throw new NullPointerException("policy, timer and random are required");
        }
        this.policy = policy;
        this.timer = timer;
        this.random = random;
    }

    public RetryPolicy policy() {
        return policy;
    }

    @Override
    protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
        long deadline = timer.nanoTime() + policy.deadlineNanos();
        List<TransientStorageException> earlier = new ArrayList<>(0);
        for (int attempt = 1; ; attempt++) {
            if (closed) {
                throw new ClosedException("retrying backend");
            }
            TransientStorageException failure;
            try {
                return call.get();
            } catch (TransientStorageException e) {
                failure = e;
            }
            long wait = nextBackoff(attempt);
            if (attempt >= policy.maxAttempts() || timer.nanoTime() + wait >= deadline) {
                throw withEarlier(failure, earlier);
            }
            earlier.add(failure);
            try {
                timer.await(wait);
            } catch (InterruptedException e) {
                InterruptedStorageException interrupted =
                    new InterruptedStorageException("waiting to retry " + operation + " " + namespace + "/" + key, e);
                interrupted.addSuppressed(failure);
                throw interrupted;
            }
        }
    }

    private static TransientStorageException withEarlier(TransientStorageException last, List<TransientStorageException> earlier) {
        for (TransientStorageException e : earlier) {
            if (e != last) {
                last.addSuppressed(e);
            }
        }
        return last;
    }

    private long nextBackoff(int attempt) {
        synchronized (random) {
            return policy.backoffNanos(attempt, random);
        }
    }

    /** Ends every backoff wait at once, then closes the wrapped backend. */
    @Override
    public void close() {
        closed = true;
        timer.wakeAll();
        super.close();
    }

    @Override
    public void abort() {
        closed = true;
        timer.wakeAll();
        super.abort();
    }

    @Override
    public String toString() {
        return "RetryingBackend{" + policy + " over " + delegate + "}";
    }
}
