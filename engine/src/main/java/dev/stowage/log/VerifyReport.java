package dev.stowage.log;

import java.util.List;
import java.util.Map;

/**
 * What {@link LogVerifier} found in a store, without changing it.
 *
 * @param root          the store root
 * @param segments      each segment file in log order
 * @param records       valid records in all
 * @param lastLsn       LSN of the last valid record
 * @param checkpointLsn LSN of the newest checkpoint that reads back whole and that the log reaches
 *                      (the one the next open starts from), or -1 if none
 * @param keys          live keys per namespace, staged payloads included
 * @param tornTail      why the tail of the last segment would be cut at open, or {@code null}
 * @param corruption    the corruption that would fail an open (file, offset, reason), or {@code null}
 */
public record VerifyReport(String root, List<SegmentReport> segments, long records, long lastLsn, long checkpointLsn,
                           Map<String, Long> keys, String tornTail, String corruption) {

    /**
     * One segment file.
     *
     * @param file      its path
     * @param records   valid records in it
     * @param usedBytes bytes up to the end of its last valid record
     * @param liveBytes bytes of records that hold a current version
     */
    public record SegmentReport(String file, long records, long usedBytes, long liveBytes) {
        /** Bytes of superseded or deleted records: what compaction could reclaim. */
        public long deadBytes() {
            return usedBytes - liveBytes;
        }
    }

    /** Whether the store would open without repair or error. */
    public boolean clean() {
        return tornTail == null && corruption == null;
    }
}
