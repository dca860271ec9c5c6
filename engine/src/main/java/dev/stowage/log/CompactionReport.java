package dev.stowage.log;

import java.time.Duration;

/**
 * What one compaction pass of a {@link LogStore} did.
 *
 * @param segmentsCompacted segments whose live records were copied forward and that left the log
 * @param recordsCopied     records copied forward (each keeps its LSN, so its ETag)
 * @param bytesCopied       bytes of those records
 * @param segmentsDeleted   segment files deleted (compacted in this or an earlier pass, grace period over)
 * @param bytesReclaimed    bytes of those files
 * @param blobsDeleted      blob files deleted with them (no current version referenced them)
 * @param keysExpired       keys deleted for being older than the retention period
 * @param elapsed           time the pass took
 */
public record CompactionReport(int segmentsCompacted, long recordsCopied, long bytesCopied, int segmentsDeleted, long bytesReclaimed,
                               int blobsDeleted, long keysExpired, Duration elapsed) {
}
