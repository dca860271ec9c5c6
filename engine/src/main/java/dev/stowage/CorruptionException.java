package dev.stowage;

/**
 * Stored bytes failed validation (checksum, framing, authentication). Names the file (or object)
 * and byte offset where the damage was found so an operator can inspect it. Never retried.
 *
 * <p>Immutable; thread-safe.
 */
public class CorruptionException extends StorageException {
    private static final long serialVersionUID = 1L;

    /** Offset value when the position of the damage is not known. */
    public static final long UNKNOWN_OFFSET = -1;

    private final String location;
    private final long offset;

    public CorruptionException(String location, long offset, String reason) {
        this(location, offset, reason, null);
    }

    public CorruptionException(String location, long offset, String reason, Throwable cause) {
        super("corruption in " + location + (offset == UNKNOWN_OFFSET ? "" : " at offset " + offset) + ": " + reason,
            cause);
        this.location = location;
        this.offset = offset;
    }

    /** The file, segment or object that holds the damaged bytes. */
    public String location() {
        return location;
    }

    /** Byte offset of the damage within {@link #location()}, or {@link #UNKNOWN_OFFSET}. */
    public long offset() {
        return offset;
    }
}
