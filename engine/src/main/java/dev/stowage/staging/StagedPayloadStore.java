package dev.stowage.staging;

import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;

/**
 * Where a backend keeps staged payloads, addressed by staging path ({@code <key>/.staging/<txn>},
 * already validated by the caller). A backend exposes this internally to {@link PayloadStaging};
 * user calls can never reach these paths because user keys may not contain the reserved segment.
 *
 * <p>Implementations are thread-safe and give these operations the same CAS semantics as the
 * backend's objects.
 */
public interface StagedPayloadStore {
    /** Creates or replaces a staged payload; returns its ETag. */
    String put(String namespace, String path, ReplayableBody body, Precondition precondition);

    /**
     * Opens a staged payload.
     *
     * @throws dev.stowage.NotFoundException if absent
     */
    Content get(String namespace, String path);

    /** Deletes a staged payload under the usual delete rules. */
    void delete(String namespace, String path, Precondition precondition);

    /**
     * Staged payloads of a namespace in path order ({@link dev.stowage.Names#KEY_ORDER}), strictly
     * after {@code startAfter} when it is not {@code null}. Only staging paths are returned.
     */
    Page<EntryInfo> list(String namespace, String startAfter, int limit);
}
