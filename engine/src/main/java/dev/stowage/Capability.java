package dev.stowage;

/** Optional features a backend may offer; see {@link Capabilities}. */
public enum Capability {
    /** The backend implements {@link StagingBackend} (staged writes, promote, discard, listing). */
    STAGING,
    /** {@link Backend#subscribe} delivers committed changes. */
    CHANGE_FEED,
    /** {@link Backend#copyObject} copies inside the store without streaming the body through the client. */
    SERVER_SIDE_COPY,
    /** Only one writer may hold the store at a time (enforced, across processes). */
    SINGLE_WRITER,
    /** Several processes or hosts may write the same store at once; CAS keeps them consistent. */
    CONCURRENT_WRITERS,
    /** {@link Backend#listNamespaces()} is supported. */
    NAMESPACE_LISTING,
    /**
     * Deletes honour {@code mustNotExist()} / {@code ifMatch} atomically. Without it a conditional
     * delete fails with {@link InvalidRequestException} rather than racing a stat.
     */
    CONDITIONAL_DELETE,
    /** Copies honour the target precondition atomically. */
    CONDITIONAL_COPY,
    /** Acknowledged writes survive a process crash (not only a clean close). */
    DURABLE
}
