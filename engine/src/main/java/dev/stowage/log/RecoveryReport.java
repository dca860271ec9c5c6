package dev.stowage.log;

import java.time.Duration;

/**
 * What opening a {@link LogStore} found and repaired. A clean store reports nothing cut.
 *
 * @param segments              segment files scanned
 * @param records               valid records replayed
 * @param lastLsn               LSN of the last valid record (0 for an empty store)
 * @param truncatedSegment      file whose torn tail was cut, or {@code null}
 * @param truncatedAtOffset     offset from which it was cut (zeroed), or -1
 * @param bytesCut              non-zero bytes found in the cut tail (dropped segments included); in a reused segment
 *                              file ({@link LogStore.Builder#spareSegments}) they include bytes left from its earlier use
 * @param segmentsDropped       segments after the cut that held bytes, dropped with it (only a
 *                              sealed segment not yet synced when the writer stopped is cut short
 *                              before later ones, see {@code NONE} and {@code GROUP} in {@link Durability})
 * @param truncationReason      why the first cut record was rejected, or {@code null}
 * @param groupRecordsDropped   records of atomic groups dropped because their commit marker was missing
 * @param elapsed               time taken by recovery
 * @param checkpointLsn         LSN of the checkpoint recovery started from (records counts only those
 *                              replayed after it), or -1 for a full replay
 * @param checkpointsRejected   why newer checkpoints were not used (damaged, newer than the log), or {@code null}
 */
public record RecoveryReport(int segments, long records, long lastLsn, String truncatedSegment, long truncatedAtOffset,
                             long bytesCut, int segmentsDropped, String truncationReason, long groupRecordsDropped, Duration elapsed,
                             long checkpointLsn, String checkpointsRejected) {

    /** This report with the checkpoint recovery started from, and what was rejected before it. */
    RecoveryReport withCheckpoint(long lsn, String rejected, Duration total) {
        return new RecoveryReport(segments, records, lastLsn, truncatedSegment, truncatedAtOffset, bytesCut, segmentsDropped, truncationReason,
            groupRecordsDropped, total, lsn, rejected);
    }

    /** Whether recovery cut or dropped anything (a rejected checkpoint is reported, not repaired). */
    public boolean repaired() {
        return truncatedSegment != null || groupRecordsDropped > 0;
    }
}
