package dev.stowage;

/**
 * A mutation's {@link Precondition} did not hold, so nothing was changed.
 *
 * <p>Carries the entry's current ETag when the backend knows it ({@code null} when the entry does
 * not exist or the backend cannot tell without a second request). This is an expected outcome
 * of a lost CAS race, so no stack trace is captured. Immutable; thread-safe.
 */
public final class PreconditionFailedException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String namespace;
    private final String key;
    private final Precondition precondition;
    private final String currentEtag;

    public PreconditionFailedException(
        String namespace, String key, Precondition precondition, String currentEtag) {
        super("precondition " + precondition + " failed for " + namespace + "/" + key
            + (currentEtag == null ? " (entry absent or current ETag unknown)" : " (current ETag " + currentEtag + ")"),
            false);
        this.namespace = namespace;
        this.key = key;
        this.precondition = precondition;
        this.currentEtag = currentEtag;
    }

    public String namespace() {
        return namespace;
    }

    public String key() {
        return key;
    }

    public Precondition precondition() {
        return precondition;
    }

    /** The entry's ETag at the time of the check, or {@code null} if absent or unknown. */
    public String currentEtag() {
        return currentEtag;
    }
}
