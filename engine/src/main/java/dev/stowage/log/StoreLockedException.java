package dev.stowage.log;

import dev.stowage.StorageException;

/**
 * Another writer holds the store root. Names the holder as it recorded itself (process id and
 * host) when that is readable. Immutable; thread-safe.
 */
public final class StoreLockedException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final String holder;

    public StoreLockedException(String root, String holder) {
        super("store " + root + " is held by another writer (" + holder + "); one writer per store root");
        this.holder = holder;
    }

    /** The holder as recorded in the lock file, e.g. {@code pid 4711 on host-a}. */
    public String holder() {
        return holder;
    }
}
