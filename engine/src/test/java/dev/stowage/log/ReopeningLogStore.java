package dev.stowage.log;

import dev.stowage.Backend;
import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.ChangeListener;
import dev.stowage.ForwardingBackend;
import dev.stowage.Operation;
import dev.stowage.Subscription;
import java.util.EnumSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Test double: closes and reopens the logstore before every call, so the conformance suite checks
 * that everything it relies on survives a reopen. Calls run under a read lock; the reopen takes
 * the write lock, so concurrent callers never use a closed store. The change feed is not offered:
 * a subscription cannot outlive the store instance it was made on.
 */
final class ReopeningLogStore extends ForwardingBackend {
    private final LogStore.Builder builder;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile LogStore current;
    private volatile boolean closed;
    private int reopens;

    ReopeningLogStore(LogStore.Builder builder) {
        this(builder, builder.open());
    }

    private ReopeningLogStore(LogStore.Builder builder, LogStore first) {
        super(first);
        this.builder = builder;
        this.current = first;
    }

    @Override
    public Backend delegate() {
        return current;
    }

    int reopens() {
        return reopens;
    }

    @Override
    protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
        lock.writeLock().lock();
        try {
            if (!closed) {
                current.close();
                current = builder.open();
                reopens++;
            }
            lock.readLock().lock();
        } finally {
            lock.writeLock().unlock();
        }
        try {
            return call.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Capabilities capabilities() {
        Capabilities inner = current.capabilities();
        EnumSet<Capability> features = EnumSet.copyOf(inner.features());
        features.remove(Capability.CHANGE_FEED);
        return Capabilities.of(features, inner.maxMetaBytes(), inner.maxBodyBytes());
    }

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        throw new UnsupportedOperationException("the reopening test store offers no change feed");
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            current.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void abort() {
        lock.writeLock().lock();
        try {
            closed = true;
            current.abort();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
