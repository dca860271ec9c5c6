package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.conformance.LeakCheckingTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When {@link SegmentLog} prepares the segments after the active one. */
class SegmentPreparationTest extends LeakCheckingTest {
    private static final int SIZE = LogStore.Builder.MIN_SEGMENT_SIZE;

    @TempDir
    Path dir;

    private SegmentLog open(Segment.Zeros zeros) throws Exception {
        SegmentLog log = SegmentLog.open(Files.createDirectories(dir.resolve(StoreRoot.SEGMENTS_DIR)), SIZE, 0, 0, "test",
            Syncer.REAL, StoreRoot.LogStart.ORIGIN, false, zeros);
        log.resumeAt(0, 0);
        return log;
    }

    /**
     * With reserved zeros, two segments once the active one holds a sixteenth of its size: not at
     * open, where a store that writes little would hold two segments of disk and page cache.
     */
    @Test
    void reservedZerosPrepareTwoAheadOnceTheActiveSegmentHoldsASixteenth() throws Exception {
        try (SegmentLog log = open(Segment.Zeros.RESERVED)) {
            assertThat(log.preparedAhead()).as("just opened").isZero();
            log.advance(SIZE / SegmentLog.RESERVED_PREPARE_FROM - 8);
            assertThat(log.preparedAhead()).isZero();
            log.advance(8);
            assertThat(log.preparedAhead()).isEqualTo(SegmentLog.RESERVED_PREPARED_AHEAD);
            log.roll();
            assertThat(log.preparedAhead()).as("right after a roll: the second one").isEqualTo(1);
            log.advance(SIZE / SegmentLog.RESERVED_PREPARE_FROM);
            assertThat(log.preparedAhead()).isEqualTo(SegmentLog.RESERVED_PREPARED_AHEAD);
        }
    }

    /** With synced zeros, one segment once the active one is half full. */
    @Test
    void syncedZerosPrepareOneAheadAtHalfFull() throws Exception {
        try (SegmentLog log = open(Segment.Zeros.SYNCED)) {
            log.advance(SIZE / 2 - 8);
            assertThat(log.preparedAhead()).isZero();
            log.advance(8);
            assertThat(log.preparedAhead()).isEqualTo(1);
            log.roll();
            assertThat(log.preparedAhead()).isZero();
        }
    }
}
