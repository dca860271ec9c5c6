package dev.stowage.staging;

import dev.stowage.NotFoundException;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.StagedEntry;
import dev.stowage.StagingBackend;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;

/**
 * Discards staged entries older than a given age, a page at a time, so abandoned transactions
 * (a crashed client, a promote cut short) do not accumulate.
 *
 * <p>Safe beside live transactions: each entry is discarded under {@code ifMatch(etag)} of the
 * version listed, so an entry restaged since listing is kept; a promote that already copied the
 * entry has written its head, and one that had not yet read it fails with
 * {@link NotFoundException} without changing the head. Entries younger than the age are never
 * touched, so choose an age well above the longest transaction.
 *
 * <p>Not thread-safe: run one sweep at a time per sweeper.
 */
public final class StagingSweeper {
    /** Page size used when listing staged entries. */
    public static final int DEFAULT_PAGE_SIZE = 500;

    /** What one sweep did. */
    public record Report(long scanned, long discarded, long skippedAsChanged) {
    }

    private final StagingBackend staging;
    private final InstantSource clock;
    private final int pageSize;

    public StagingSweeper(StagingBackend staging, InstantSource clock, int pageSize) {
        this.staging = Objects.requireNonNull(staging, "staging");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1: " + pageSize);
        }
        this.pageSize = pageSize;
    }

    /** Discards entries of {@code namespace} staged before now minus {@code olderThan}. */
    public Report sweep(String namespace, Duration olderThan) {
        Instant cutoff = clock.instant().minus(olderThan);
        long scanned = 0;
        long discarded = 0;
        long changed = 0;
        String cursor = null;
        do {
            Page<StagedEntry> page = staging.listStaged(namespace, "", cursor, pageSize);
            for (StagedEntry entry : page.items()) {
                scanned++;
                if (!entry.modified().isBefore(cutoff)) {
                    continue;
                }
                try {
                    staging.discard(namespace, entry.key(), entry.txn(), Precondition.ifMatch(entry.etag()));
                    discarded++;
                } catch (PreconditionFailedException e) {
                    changed++;
                }
            }
            cursor = page.nextStartAfter();
        } while (cursor != null);
        return new Report(scanned, discarded, changed);
    }
}
