package dev.stowage;

/** A live change-feed subscription. Closing stops delivery; idempotent and thread-safe. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
