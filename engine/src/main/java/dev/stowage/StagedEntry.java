package dev.stowage;

import java.time.Instant;

/**
 * A staged payload as listed by {@link StagingBackend#listStaged}.
 *
 * @param key      the key whose state the payload would replace
 * @param txn      the transaction id it was staged under
 * @param etag     the staged entry's ETag (use it to discard exactly this version)
 * @param size     payload length in bytes
 * @param modified when it was staged
 */
public record StagedEntry(String key, String txn, String etag, long size, Instant modified) {
}
