package dev.stowage;

import java.util.List;

/**
 * The storage contract: per namespace, three key spaces with compare-and-swap writes.
 *
 * <ul>
 *   <li><b>meta</b>: small documents read and written whole ({@link Capabilities#maxMetaBytes()});</li>
 *   <li><b>state</b>: one streamed blob per key;</li>
 *   <li><b>objects</b>: blobs with attributes, listed by prefix in {@link Names#KEY_ORDER}.</li>
 * </ul>
 *
 * <p><b>Rules every implementation keeps</b> (the conformance suite checks them):
 * <ul>
 *   <li>Every mutation takes an explicit {@link Precondition} and is atomic with its check:
 *       among concurrent writers whose precondition names the same ETag, exactly one wins.</li>
 *   <li>A successful write returns the new version's ETag; ETags are opaque and change on every
 *       successful write, even of identical bytes.</li>
 *   <li>Namespaces and keys are validated by {@link Names}; invalid ones fail with
 *       {@link InvalidRequestException} before anything is touched.</li>
 *   <li>Deleting an absent entry under {@link Precondition#any()} or
 *       {@link Precondition#mustNotExist()} succeeds without effect; under
 *       {@link Precondition#ifMatch} it fails with {@link PreconditionFailedException}.</li>
 *   <li>Failures are {@link StorageException} subtypes; only {@link TransientStorageException}
 *       may be retried.</li>
 *   <li>After {@link #close()} or {@link #abort()}, every call fails with {@link ClosedException}.</li>
 *   <li>A blocked call that is interrupted fails with {@link InterruptedStorageException} and
 *       keeps the thread's interrupt status.</li>
 * </ul>
 *
 * <p><b>Durability</b>: a successful return means the change is visible to every later read from
 * any thread of this process; whether it also survives a crash is reported by
 * {@link Capability#DURABLE} and each backend's documentation.
 *
 * <p><b>Thread-safety</b>: implementations are thread-safe unless they state otherwise.
 */
public interface Backend extends AutoCloseable {

    /** What this backend offers; constant for its lifetime. */
    Capabilities capabilities();

    // ---- meta ----

    /**
     * Reads a meta document.
     *
     * @throws NotFoundException if absent
     */
    Document readMeta(String namespace, String key);

    /**
     * Stores a meta document whole.
     *
     * @param document at most {@link Capabilities#maxMetaBytes()} bytes; not retained
     * @return the new ETag
     * @throws PreconditionFailedException if {@code precondition} does not hold
     */
    String storeMeta(String namespace, String key, byte[] document, Precondition precondition);

    /** Deletes a meta document; see the class rules for absent entries. */
    void deleteMeta(String namespace, String key, Precondition precondition);

    /** Lists meta documents ({@link EntryInfo#size()} is the document length). */
    Page<EntryInfo> listMeta(String namespace, ListRequest request);

    // ---- state ----

    /**
     * Opens the state blob of a key for streaming.
     *
     * @throws NotFoundException if absent
     */
    Content readState(String namespace, String key);

    /**
     * Replaces the state blob of a key.
     *
     * @return the new ETag
     * @throws PreconditionFailedException if {@code precondition} does not hold
     * @throws InvalidRequestException     if the body is larger than {@link Capabilities#maxBodyBytes()}
     *                                     or differs from its declared length
     */
    String writeState(String namespace, String key, ReplayableBody body, Precondition precondition);

    /** Removes the state blob of a key; see the class rules for absent entries. */
    void removeState(String namespace, String key, Precondition precondition);

    // ---- objects ----

    /**
     * Opens an object for streaming.
     *
     * @throws NotFoundException if absent
     */
    Content getObject(String namespace, String key);

    /**
     * Describes an object without reading its body.
     *
     * @throws NotFoundException if absent
     */
    EntryInfo headObject(String namespace, String key);

    /**
     * Creates or replaces an object.
     *
     * @return the new ETag
     * @throws PreconditionFailedException if {@code precondition} does not hold
     * @throws InvalidRequestException     if the body is too large or differs from its declared length
     */
    String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                     Precondition precondition);

    /** Deletes an object; see the class rules for absent entries. */
    void deleteObject(String namespace, String key, Precondition precondition);

    /**
     * Copies an object's body and attributes to another key of the same namespace.
     *
     * @param targetPrecondition checked against the target key
     * @return the target's new ETag
     * @throws NotFoundException           if the source is absent
     * @throws PreconditionFailedException if {@code targetPrecondition} does not hold
     */
    String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition);

    /** Lists objects. */
    Page<EntryInfo> listObjects(String namespace, ListRequest request);

    // ---- namespaces, change feed, lifecycle ----

    /**
     * Namespaces that currently hold at least one entry, in ascending order.
     *
     * @throws UnsupportedOperationException without {@link Capability#NAMESPACE_LISTING}
     */
    List<String> listNamespaces();

    /**
     * Subscribes to committed changes of keys in {@code namespace} that start with {@code prefix}
     * (in every space), delivered in commit order on a thread owned by the subscription.
     *
     * @throws UnsupportedOperationException without {@link Capability#CHANGE_FEED}
     */
    Subscription subscribe(String namespace, String prefix, ChangeListener listener);

    /**
     * Orderly shutdown: waits for accepted writes to complete, releases every resource.
     * Idempotent.
     */
    @Override
    void close();

    /**
     * Immediate shutdown: fails pending calls with {@link ClosedException} and releases every
     * resource without waiting. Idempotent; a later {@link #close()} does nothing.
     */
    void abort();
}
