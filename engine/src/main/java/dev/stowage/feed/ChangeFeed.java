package dev.stowage.feed;

import dev.stowage.ChangeEvent;
import dev.stowage.ChangeListener;
import dev.stowage.Names;
import dev.stowage.Space;
import dev.stowage.Subscription;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process fan-out of committed changes to subscribers, used by backends that offer
 * {@link dev.stowage.Capability#CHANGE_FEED}.
 *
 * <p>Each subscription owns a bounded queue and a daemon delivery thread, so a slow listener
 * never blocks the committing thread or other listeners: when its queue is full, its pending
 * events are dropped and it receives {@link ChangeListener#onGap(long)} before newer events.
 *
 * <p>Thread-safety: {@link #publish} must be called in commit order for any one namespace (the
 * backend calls it while still ordering its commits); subscribing and closing are thread-safe.
 */
public final class ChangeFeed implements AutoCloseable {
    /** Default number of undelivered events a subscription buffers before it reports a gap. */
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);
    private static final ChangeEvent GAP = new ChangeEvent("", Space.META, "", ChangeEvent.ChangeType.DELETE, null, -1);

    private final String owner;
    private final int queueCapacity;
    private final CopyOnWriteArrayList<QueuedSubscription> subscriptions = new CopyOnWriteArrayList<>();

    /**
     * @param owner         name used for delivery threads and log messages
     * @param queueCapacity events buffered per subscription, at least 1
     */
    public ChangeFeed(String owner, int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be at least 1: " + queueCapacity);
        }
        this.owner = owner;
        this.queueCapacity = queueCapacity;
    }

    /** Starts delivering events of {@code namespace} whose key starts with {@code prefix}. */
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        Names.namespace(namespace);
        Names.prefix(prefix);
        if (listener == null) {
            throw new NullPointerException("listener");
        }
        QueuedSubscription subscription = new QueuedSubscription(namespace, prefix, listener);
        subscriptions.add(subscription);
        subscription.thread.start();
        return subscription;
    }

    /** Hands a committed event to every matching subscription without blocking. */
    public void publish(ChangeEvent event) {
        for (QueuedSubscription s : subscriptions) {
            if (s.namespace.equals(event.namespace()) && event.key().startsWith(s.prefix)) {
                s.offer(event);
            }
        }
    }

    /** Whether anyone is subscribed (lets backends skip building events). */
    public boolean hasSubscribers() {
        return !subscriptions.isEmpty();
    }

    /** Stops every subscription and waits briefly for their threads. */
    @Override
    public void close() {
        for (QueuedSubscription s : subscriptions) {
            s.close();
        }
    }

    private final class QueuedSubscription implements Subscription, Runnable {
        final String namespace;
        final String prefix;
        final ChangeListener listener;
        final BlockingQueue<ChangeEvent> queue = new ArrayBlockingQueue<>(queueCapacity + 1);
        final Thread thread;
        volatile boolean closed;

        QueuedSubscription(String namespace, String prefix, ChangeListener listener) {
            this.namespace = namespace;
            this.prefix = prefix;
            this.listener = listener;
            this.thread = new Thread(this, "stowage-feed-" + owner + "-" + namespace);
            this.thread.setDaemon(true);
        }

        void offer(ChangeEvent event) {
            // One slot beyond the capacity is kept free so the gap marker always fits.
            if (queue.size() >= queueCapacity || !queue.offer(event)) {
                queue.clear();
                queue.offer(GAP);
            }
        }

        @Override
        public void run() {
            long lastDelivered = -1;
            while (!closed) {
                ChangeEvent event;
                try {
                    event = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    if (event == GAP) {
                        listener.onGap(lastDelivered);
                    } else {
                        listener.onChange(event);
                        lastDelivered = event.sequence();
                    }
                } catch (RuntimeException e) {
                    LOG.warn("change listener of {} ns={} prefix={} threw; event dropped", owner, namespace, prefix, e);
                }
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            subscriptions.remove(this);
            thread.interrupt();
            if (Thread.currentThread() != thread) {
                try {
                    thread.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
