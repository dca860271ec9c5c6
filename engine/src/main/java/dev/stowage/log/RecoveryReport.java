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
 * @param bytesCut              non-zero bytes found in the cut tail
 * @param truncationReason      why the first cut record was rejected, or {@code null}
 * @param groupRecordsDropped   records of atomic groups dropped because their commit marker was missing
 * @param elapsed               time taken by recovery
 */
public record RecoveryReport(int segments, long records, long lastLsn, String truncatedSegment, long truncatedAtOffset,
                             long bytesCut, String truncationReason, long groupRecordsDropped, Duration elapsed) {
    /** Whether recovery cut or dropped anything. */
    public boolean repaired() {
        return truncatedSegment != null || groupRecordsDropped > 0;
    }
}
