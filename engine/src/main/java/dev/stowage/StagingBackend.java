package dev.stowage;

/**
 * Staged writes of state: a payload is staged under a transaction id, then promoted to become
 * the key's state (its "head") under a CAS precondition, or discarded. Staged payloads live at
 * {@code <key>/.staging/<txn>} (see {@link Names#stagingPath}); user keys can never name such a
 * path.
 *
 * <p>Backends that offer it report {@link Capability#STAGING}; wrappers pass it through to the
 * backend they wrap (never substituting another implementation). Each backend documents what
 * promote guarantees after a crash; every implementation guarantees that the head is then either
 * the old or the staged value, and that a staged entry left behind is returned by
 * {@link #listStaged} so a sweeper can finish or discard it.
 *
 * <p>Thread-safety: as the backend's.
 */
public interface StagingBackend {
    /**
     * Stages a payload for {@code key} under {@code txn}.
     *
     * @param precondition checked against the staged entry {@code (key, txn)}, not the head
     * @return the staged entry's ETag
     */
    String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition);

    /**
     * Opens a staged payload.
     *
     * @throws NotFoundException if nothing is staged for {@code (key, txn)}
     */
    Content loadStaged(String namespace, String key, String txn);

    /**
     * Makes the staged payload the key's state and removes the staged entry.
     *
     * @param headPrecondition checked against the key's current state
     * @return the new state ETag
     * @throws NotFoundException           if nothing is staged for {@code (key, txn)}
     * @throws PreconditionFailedException if {@code headPrecondition} does not hold (nothing changes)
     */
    String promote(String namespace, String key, String txn, Precondition headPrecondition);

    /**
     * Removes a staged entry; absent entries follow the rules of {@link Backend} deletes.
     *
     * @param precondition checked against the staged entry
     */
    void discard(String namespace, String key, String txn, Precondition precondition);

    /**
     * Lists staged entries of every key, at any depth of nesting, whose transaction id starts
     * with {@code txnPrefix}, ordered by staging path.
     *
     * @param startAfter the previous page's {@link Page#nextStartAfter()} (an opaque position), or {@code null}
     * @param limit      1 to {@link ListRequest#MAX_LIMIT}
     */
    Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit);
}
