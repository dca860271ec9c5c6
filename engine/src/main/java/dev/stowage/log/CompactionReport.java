package dev.stowage.log;

import java.time.Duration;

/**
 * What one compaction pass of a {@link LogStore} did.
 *
 * @param segmentsCompacted segments whose live records were copied forward and that left the log
 * @param recordsCopied     records copied forward (each keeps its LSN, so its ETag)
 * @param bytesCopied       bytes of those records
 * @param segmentsDeleted   segment files that left the log directory (compacted in this or an earlier pass, grace period
 *                          over): deleted, or kept as spares
 * @param segmentsRecycled  of those, files kept as spares for later segments ({@link LogStore.Builder#spareSegments})
 * @param bytesReclaimed    bytes of the segment files that left the log
 * @param blobsDeleted      blob files deleted with them (no current version referenced them)
 * @param keysExpired       keys deleted for being older than the retention period
 * @param elapsed           time the pass took
 */
public record CompactionReport(int segmentsCompacted, long recordsCopied, long bytesCopied, int segmentsDeleted, int segmentsRecycled,
                               long bytesReclaimed, int blobsDeleted, long keysExpired, Duration elapsed) {
}
