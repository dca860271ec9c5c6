package dev.stowage;

/** The three key spaces of a namespace. Keys in different spaces never collide. */
public enum Space {
    /** Small documents read and written whole; kept in memory by the logstore. */
    META("meta document"),
    /** One streamed blob per key. */
    STATE("state"),
    /** Listable blobs with a content type and an opaque descriptor. */
    OBJECT("object");

    private final String label;

    Space(String label) {
        this.label = label;
    }

    /** Human-readable name used in messages. */
    public String label() {
        return label;
    }
}
