package dev.stowage.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stowage.Content;
import dev.stowage.CorruptionException;
import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.LeakCheckingTest;
import dev.stowage.conformance.StagingAssertions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery from damaged log files, by direct byte surgery on a closed store. Every open here first
 * removes the checkpoints (as after a crash before any checkpoint), so the whole log is replayed;
 * checkpoints have their own tests.
 */
class LogStoreRecoveryTest extends LeakCheckingTest {
    private static final String NS = "rec";

    @TempDir
    Path dir;

    /** A builder for the store under test; {@link PositionalIoTest} runs every test in NFS mode. */
    LogStore.Builder builder() {
        return LogStore.builder(dir);
    }

    /** Opens the store after deleting its checkpoints, so the whole log is replayed. */
    private LogStore open() {
        try {
            for (Path p : Checkpoints.list(dir.resolve(Checkpoints.DIR), false)) {
                Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return builder().segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).checkpointInterval(java.time.Duration.ZERO)
            .open();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** Writes {@code n} meta documents k0..k(n-1), value "v{i}". */
    private void writeMetas(int n) {
        try (LogStore store = open()) {
            for (int i = 0; i < n; i++) {
                store.storeMeta(NS, "k" + i, bytes("v" + i), Precondition.any());
            }
        }
    }

    @Test
    void cleanReopenKeepsEverythingAndRepairsNothing() {
        writeMetas(10);
        try (LogStore store = open()) {
            assertThat(store.recoveryReport().repaired()).isFalse();
            assertThat(store.recoveryReport().records()).isEqualTo(10);
            assertThat(store.recoveryReport().lastLsn()).isEqualTo(10);
            for (int i = 0; i < 10; i++) {
                assertThat(store.readMeta(NS, "k" + i).toByteArray()).isEqualTo(bytes("v" + i));
            }
            String etag = store.storeMeta(NS, "k10", bytes("after"), Precondition.mustNotExist());
            assertThat(etag).endsWith("-b");
        }
    }

    @Test
    void tornLastRecordIsCutReportedAndTheStoreStaysWritable() throws Exception {
        writeMetas(10);
        Path segment = LogFiles.segments(dir).get(0);
        List<Integer> offsets = LogFiles.recordOffsets(segment);
        int last = offsets.get(offsets.size() - 1);
        LogFiles.flipBit(segment, last + LogFiles.frameLength(segment, last) - 1, 3);

        try (LogStore store = open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.repaired()).isTrue();
            assertThat(report.truncatedSegment()).isEqualTo(segment.toString());
            assertThat(report.truncatedAtOffset()).isEqualTo(last);
            assertThat(report.bytesCut()).isPositive();
            assertThat(report.truncationReason()).contains("CRC32C");
            assertThat(report.records()).isEqualTo(9);
            assertThatThrownBy(() -> store.readMeta(NS, "k9")).isInstanceOf(NotFoundException.class);
            assertThat(store.readMeta(NS, "k8").toByteArray()).isEqualTo(bytes("v8"));
            store.storeMeta(NS, "k9", bytes("again"), Precondition.mustNotExist());
        }
        try (LogStore store = open()) {
            assertThat(store.recoveryReport().repaired()).isFalse();
            assertThat(store.readMeta(NS, "k9").toByteArray()).isEqualTo(bytes("again"));
        }
    }

    /**
     * A writer killed while encoding a record leaves its header and value bytes behind a frame
     * length still zero: the open cuts them, so no stale byte lies past the end of the log when
     * later, shorter records are appended over them.
     */
    @Test
    void bytesOfARecordWhoseFrameLengthWasNeverWrittenAreCut() throws Exception {
        writeMetas(10);
        Path segment = LogFiles.segments(dir).get(0);
        List<Integer> offsets = LogFiles.recordOffsets(segment);
        int last = offsets.get(offsets.size() - 1);
        int end = (int) RecordDescriptor.align(last + (long) LogFiles.frameLength(segment, last));
        // The record at `last` again, one slot further, without its frame length: a cut-short write.
        byte[] unsealed = java.util.Arrays.copyOfRange(Files.readAllBytes(segment), last, end + 600);
        java.util.Arrays.fill(unsealed, 0, 4, (byte) 0);
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap(unsealed), end);
        }

        try (LogStore store = open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.truncatedAtOffset()).isEqualTo(end);
            assertThat(report.truncationReason()).contains("frame length was never written");
            assertThat(report.bytesCut()).isPositive();
            assertThat(report.records()).isEqualTo(10);
            store.storeMeta(NS, "x", bytes("y"), Precondition.mustNotExist());
        }
        VerifyReport verified = LogVerifier.verify(dir);
        assertThat(verified.clean()).as(verified.tornTail()).isTrue();
    }

    /** DESIGN.md §10: a large record whose header reached disk before its payload must not replay as a value. */
    @Test
    void largeRecordWithMissingPayloadIsCutNotReplayedAsEmpty() throws Exception {
        byte[] big = new byte[40_000];
        java.util.Arrays.fill(big, (byte) 7);
        try (LogStore store = open()) {
            store.writeState(NS, "small", ReplayableBody.ofBytes(bytes("ok")), Precondition.any());
            store.writeState(NS, "big", ReplayableBody.ofBytes(big), Precondition.any());
        }
        Path segment = LogFiles.segments(dir).get(0);
        List<Integer> offsets = LogFiles.recordOffsets(segment);
        int bigRecord = offsets.get(1);
        // The header and the first page made it, the rest of the payload did not.
        LogFiles.zero(segment, bigRecord + 4096, 40_000 - 4096);

        try (LogStore store = open()) {
            assertThat(store.recoveryReport().truncatedAtOffset()).isEqualTo(bigRecord);
            assertThatThrownBy(() -> store.readState(NS, "big")).isInstanceOf(NotFoundException.class);
            try (Content c = store.readState(NS, "small")) {
                assertThat(c.readAllBytes()).isEqualTo(bytes("ok"));
            }
        }
    }

    private void writeUntilSegments(int segments) throws Exception {
        try (LogStore store = open()) {
            for (int i = 0; LogFiles.segments(dir).size() < segments + 1 || i < 100; i++) {
                store.writeState(NS, "s" + (i % 50), ReplayableBody.ofBytes(new byte[2000]), Precondition.any());
            }
        }
    }

    @Test
    void flippedBitInASealedSegmentIsCorruptionNamingFileAndOffset() throws Exception {
        writeUntilSegments(3);
        Path sealed = LogFiles.segments(dir).get(0);
        int victim = LogFiles.recordOffsets(sealed).get(5);
        LogFiles.flipBit(sealed, victim + RecordDescriptor.HEADER_LENGTH + 10, 0);

        CorruptionException e = catchThrowableOfType(CorruptionException.class, this::open);
        assertThat(e).isNotNull();
        assertThat(e.location()).isEqualTo(sealed.toString());
        assertThat(e.offset()).isEqualTo(victim);
        assertThat(e.getMessage()).contains("CRC32C", "sealed");
    }

    @Test
    void zeroedPageInASealedSegmentIsCorruptionNotASilentEnd() throws Exception {
        writeUntilSegments(3);
        Path sealed = LogFiles.segments(dir).get(0);
        int victim = LogFiles.recordOffsets(sealed).get(3);
        LogFiles.zero(sealed, victim, 4096);

        CorruptionException e = catchThrowableOfType(CorruptionException.class, this::open);
        assertThat(e).isNotNull();
        assertThat(e.location()).isEqualTo(sealed.toString());
        assertThat(e.getMessage()).contains("records missing");
    }

    /**
     * A sealed segment the manifest names as possibly unsynced (a NONE writer's background seal
     * that a power loss cut short) may miss any page: its first damage ends the log like a torn
     * tail, the later segment is dropped, and both are reported. The same damage below the mark
     * is corruption (first open). The open then syncs what it kept and, as a SYNC writer, clears
     * the mark: the next open is strict again and finds nothing to repair.
     */
    @ParameterizedTest
    @ValueSource(strings = {"flipped bit", "zeroed page"})
    void damageInASegmentNotYetSyncedEndsTheLogThere(String damage) throws Exception {
        int written = 0;
        byte[] value = new byte[2000];
        java.util.Arrays.fill(value, (byte) 7);
        try (LogStore store = open()) {
            // Until segment 3 holds a few records (no more: it must not fill up and roll).
            for (; LogFiles.segments(dir).size() < 3 || LogFiles.recordOffsets(LogFiles.segments(dir).get(2)).size() < 3; written++) {
                store.writeState(NS, "m" + written, ReplayableBody.ofBytes(value), Precondition.any());
            }
        }
        List<Path> segments = LogFiles.segments(dir);
        Path unsynced = segments.get(1);
        int kept = LogFiles.recordOffsets(segments.get(0)).size() + 3;
        int victim = LogFiles.recordOffsets(unsynced).get(3);
        if (damage.equals("flipped bit")) {
            LogFiles.flipBit(unsynced, victim + RecordDescriptor.HEADER_LENGTH + 10, 0);
        } else {
            LogFiles.zero(unsynced, victim, 4096);
        }
        assertThat(catchThrowableOfType(CorruptionException.class, this::open)).as("below the mark").isNotNull();

        LogFiles.recordUnsyncedFrom(dir, Segment.parseId(unsynced.getFileName().toString()));
        try (LogStore store = open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.truncatedSegment()).isEqualTo(unsynced.toString());
            assertThat(report.truncatedAtOffset()).isEqualTo(victim);
            assertThat(report.segmentsDropped()).isEqualTo(1);
            assertThat(report.bytesCut()).as("the cut records but the (up to 3) a zeroed page held")
                .isGreaterThan(2000L * (written - kept - 3));
            assertThat(report.truncationReason()).contains("not yet synced");
            assertThat(report.lastLsn()).isEqualTo(kept);
            for (int i = 0; i < written; i++) {
                String key = "m" + i;
                if (i < kept) {
                    try (Content c = store.readState(NS, key)) {
                        assertThat(c.readAllBytes()).as(key).isEqualTo(value);
                    }
                } else {
                    assertThatThrownBy(() -> store.readState(NS, key)).as(key).isInstanceOf(NotFoundException.class);
                }
            }
            assertThat(Files.exists(segments.get(2))).as("the dropped segment's file").isFalse();
            store.storeMeta(NS, "after", bytes("cut"), Precondition.mustNotExist());
        }
        assertThat(StoreRoot.readManifest(dir).unsyncedFrom()).as("cleared by the SYNC writer").isEqualTo(StoreRoot.ALL_SYNCED);
        try (LogStore store = open()) {
            assertThat(store.recoveryReport().repaired()).isFalse();
            assertThat(store.readMeta(NS, "after").toByteArray()).isEqualTo(bytes("cut"));
            assertThat(store.recoveryReport().lastLsn()).isEqualTo(kept + 1);
        }
    }

    /** A missing first segment (the manifest names where the log starts) or a missing middle one. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void missingSegmentIsCorruptionNamingTheMissingFile(int missing) throws Exception {
        writeUntilSegments(3);
        List<Path> segments = LogFiles.segments(dir);
        Files.delete(segments.get(missing));

        CorruptionException e = catchThrowableOfType(CorruptionException.class, this::open);
        assertThat(e).isNotNull();
        assertThat(e.location()).isEqualTo(segments.get(missing).toString());
        assertThat(e.getMessage()).contains("records missing");
    }

    @Test
    void promoteWithoutItsCommitMarkerIsNotApplied() throws Exception {
        try (LogStore store = open()) {
            store.writeState(NS, "doc", ReplayableBody.ofBytes(bytes("old")), Precondition.any());
            store.stage(NS, "doc", "t1", ReplayableBody.ofBytes(bytes("new")), Precondition.mustNotExist());
            store.promote(NS, "doc", "t1", Precondition.any());
        }
        Path segment = LogFiles.segments(dir).get(0);
        List<Integer> offsets = LogFiles.recordOffsets(segment);
        int commit = offsets.get(offsets.size() - 1);
        LogFiles.zero(segment, commit, LogFiles.frameLength(segment, commit));

        try (LogStore store = open()) {
            assertThat(store.recoveryReport().groupRecordsDropped()).isEqualTo(2);
            try (Content c = store.readState(NS, "doc")) {
                assertThat(c.readAllBytes()).isEqualTo(bytes("old"));
            }
            assertThat(StagingAssertions.listAll(store, NS, "", 10)).containsExactly("doc|t1");
            store.promote(NS, "doc", "t1", Precondition.any());
            try (Content c = store.readState(NS, "doc")) {
                assertThat(c.readAllBytes()).isEqualTo(bytes("new"));
            }
        }
    }

    @Test
    void secondWriterIsRefusedNamingTheHolder() {
        try (LogStore first = open()) {
            StoreLockedException e = catchThrowableOfType(StoreLockedException.class, this::open);
            assertThat(e).isNotNull();
            assertThat(e.holder()).contains("pid " + ProcessHandle.current().pid());
            first.storeMeta(NS, "still", bytes("mine"), Precondition.any());
        }
        try (LogStore again = open()) {
            assertThat(again.readMeta(NS, "still").toByteArray()).isEqualTo(bytes("mine"));
        }
    }

    @Test
    void everyOpenRaisesTheWriterEpoch() throws Exception {
        writeMetas(1);
        writeMetas(1);
        Path segment = LogFiles.segments(dir).get(0);
        List<Integer> offsets = LogFiles.recordOffsets(segment);
        int first = LogFiles.readInt(segment, offsets.get(0) + RecordDescriptor.EPOCH_OFFSET);
        int second = LogFiles.readInt(segment, offsets.get(1) + RecordDescriptor.EPOCH_OFFSET);
        assertThat(second).isGreaterThan(first);
    }
}
