package dev.stowage;

/**
 * The addressed meta document, state blob or object does not exist.
 *
 * <p>This is an expected outcome, so no stack trace is captured. Immutable; thread-safe.
 */
public final class NotFoundException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String namespace;
    private final String key;

    public NotFoundException(Space space, String namespace, String key) {
        super(space.label() + " not found: " + namespace + "/" + key, false);
        this.namespace = namespace;
        this.key = key;
    }

    public String namespace() {
        return namespace;
    }

    public String key() {
        return key;
    }
}
