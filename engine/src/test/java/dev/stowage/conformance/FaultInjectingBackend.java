package dev.stowage.conformance;

import dev.stowage.Backend;
import dev.stowage.ForwardingBackend;
import dev.stowage.ObjectAttributes;
import dev.stowage.Operation;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A test double over a real backend that fails scheduled calls. A scheduled write failure may
 * first consume part of the body, as a connection that dies mid-upload does, which is how the
 * retry tests catch a retry that does not replay its body from the start.
 *
 * <p>Thread-safe.
 */
public final class FaultInjectingBackend extends ForwardingBackend {
    private final Map<Operation, Deque<RuntimeException>> faults = new EnumMap<>(Operation.class);
    private final Map<Operation, AtomicInteger> calls = new EnumMap<>(Operation.class);
    private volatile long bytesConsumedBeforeFailing;

    public FaultInjectingBackend(Backend delegate) {
        super(delegate);
        for (Operation op : Operation.values()) {
            faults.put(op, new ArrayDeque<>());
            calls.put(op, new AtomicInteger());
        }
    }

    /** The next {@code times} calls of {@code operation} throw {@code failure}. */
    public FaultInjectingBackend failNext(Operation operation, int times, RuntimeException failure) {
        Deque<RuntimeException> queue = faults.get(operation);
        synchronized (queue) {
            for (int i = 0; i < times; i++) {
                queue.add(failure);
            }
        }
        return this;
    }

    /** Failing writes read this many bytes of their body before they throw. */
    public FaultInjectingBackend consumeBeforeFailing(long bytes) {
        this.bytesConsumedBeforeFailing = bytes;
        return this;
    }

    /** How often {@code operation} was called, failed calls included. */
    public int calls(Operation operation) {
        return calls.get(operation).get();
    }

    private RuntimeException nextFault(Operation operation) {
        calls.get(operation).incrementAndGet();
        Deque<RuntimeException> queue = faults.get(operation);
        synchronized (queue) {
            return queue.poll();
        }
    }

    @Override
    protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
        RuntimeException fault = nextFault(operation);
        if (fault != null) {
            throw fault;
        }
        return call.get();
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        RuntimeException fault = nextFault(Operation.WRITE_STATE);
        if (fault != null) {
            throw consumeThen(body, fault);
        }
        return delegate.writeState(namespace, key, body, precondition);
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                            Precondition precondition) {
        RuntimeException fault = nextFault(Operation.PUT_OBJECT);
        if (fault != null) {
            throw consumeThen(body, fault);
        }
        return delegate.putObject(namespace, key, body, attributes, precondition);
    }

    private RuntimeException consumeThen(ReplayableBody body, RuntimeException fault) {
        long toConsume = bytesConsumedBeforeFailing;
        if (toConsume > 0) {
            // The stream is deliberately left open and unfinished, like an upload cut off mid-way.
            try {
                InputStream in = body.open();
                in.readNBytes((int) Math.min(toConsume, Integer.MAX_VALUE));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return fault;
    }
}
