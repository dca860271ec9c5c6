package dev.stowage;

/**
 * One committed change, delivered to {@link ChangeListener}s after the write is acknowledged.
 *
 * @param namespace namespace of the changed entry
 * @param space     which key space changed
 * @param key       the entry's key
 * @param type      what happened
 * @param etag      the new ETag for {@link ChangeType#PUT}, {@code null} for {@link ChangeType#DELETE}
 * @param sequence  commit sequence number (the logstore's LSN): strictly increasing within a backend
 */
public record ChangeEvent(String namespace, Space space, String key, ChangeType type, String etag, long sequence) {
    /** Kind of change. */
    public enum ChangeType {
        /** The entry was created or replaced. */
        PUT,
        /** The entry was removed. */
        DELETE
    }
}
