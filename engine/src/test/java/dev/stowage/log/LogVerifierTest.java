package dev.stowage.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.StorageException;
import dev.stowage.conformance.LeakCheckingTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogVerifierTest extends LeakCheckingTest {
    @TempDir
    Path dir;

    private void populate() {
        try (LogStore store = LogStore.builder(dir).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).open()) {
            for (int i = 0; i < 200; i++) {
                store.writeState("a", "k" + (i % 10), ReplayableBody.ofBytes(new byte[1000]), Precondition.any());
            }
            store.storeMeta("b", "m", "x".getBytes(UTF_8), Precondition.any());
            store.stage("b", "m", "t1", ReplayableBody.ofBytes(new byte[10]), Precondition.any());
        }
    }

    @Test
    void reportsSegmentsRecordsLiveAndDeadBytesAndKeys() throws Exception {
        populate();
        byte[] before = Files.readAllBytes(LogFiles.segments(dir).get(0));

        VerifyReport report = LogVerifier.verify(dir);

        assertThat(report.clean()).isTrue();
        assertThat(report.records()).isEqualTo(202);
        assertThat(report.lastLsn()).isEqualTo(202);
        assertThat(report.keys()).containsEntry("a", 10L).containsEntry("b", 2L);
        assertThat(report.segments().size()).isGreaterThan(2);
        long live = report.segments().stream().mapToLong(VerifyReport.SegmentReport::liveBytes).sum();
        long dead = report.segments().stream().mapToLong(VerifyReport.SegmentReport::deadBytes).sum();
        assertThat(live).isBetween(10 * 1000L, 10 * 1200L + 2 * 200);
        assertThat(dead).isGreaterThan(190 * 1000L);
        assertThat(report.checkpointLsn()).as("the checkpoint written at close").isEqualTo(202);
        assertThat(LogVerifier.format(report)).contains("records=202", "checkpointLsn=202", "namespace a: 10 keys", "OK");
        assertThat(Files.readAllBytes(LogFiles.segments(dir).get(0))).as("verify changes nothing").isEqualTo(before);
    }

    @Test
    void reportsATornTailWithoutCuttingIt() throws Exception {
        populate();
        List<Path> segments = LogFiles.segments(dir);
        Path last = segments.stream().filter(p -> {
            try {
                return !LogFiles.recordOffsets(p).isEmpty();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).reduce((a, b) -> b).orElseThrow();
        List<Integer> offsets = LogFiles.recordOffsets(last);
        int victim = offsets.get(offsets.size() - 1);
        LogFiles.flipBit(last, victim + RecordDescriptor.HEADER_LENGTH, 1);
        byte[] damaged = Files.readAllBytes(last);

        VerifyReport report = LogVerifier.verify(dir);

        assertThat(report.clean()).isFalse();
        assertThat(report.tornTail()).contains(last.toString(), "offset " + victim, "CRC32C");
        assertThat(Files.readAllBytes(last)).isEqualTo(damaged);
    }

    @Test
    void reportsCorruptionInASealedSegment() throws Exception {
        populate();
        Path first = LogFiles.segments(dir).get(0);
        LogFiles.flipBit(first, LogFiles.recordOffsets(first).get(2) + RecordDescriptor.HEADER_LENGTH + 5, 6);
        VerifyReport report = LogVerifier.verify(dir);
        assertThat(report.corruption()).contains(first.toString(), "CRC32C");
        assertThat(LogVerifier.format(report)).contains("CORRUPT");
    }

    @Test
    void reportsAMissingBlob() throws Exception {
        try (LogStore store = LogStore.builder(dir).open()) {
            store.writeState("a", "big", ReplayableBody.ofBytes(new byte[3 << 20]), Precondition.any());
        }
        assertThat(LogVerifier.verify(dir).clean()).isTrue();
        try (var blobs = Files.list(dir.resolve(BlobStore.DIR))) {
            Files.delete(blobs.findFirst().orElseThrow());
        }
        assertThat(LogVerifier.verify(dir).corruption()).contains("missing blob of a/big");
    }

    @Test
    void refusesADirectoryThatIsNotAStore() {
        assertThatThrownBy(() -> LogVerifier.verify(dir)).isInstanceOf(StorageException.class).hasMessageContaining("not a logstore");
    }
}
