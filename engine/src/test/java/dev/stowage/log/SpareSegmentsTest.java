package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spare segments: the file of a compacted segment serves a later segment without a zero-fill, and
 * the bytes left from its earlier use never enter the log, after a clean close or a cut.
 */
class SpareSegmentsTest extends LeakCheckingTest {
    private static final String NS = "spare";
    private static final int KEYS = 8;
    private static final long SEED = Long.getLong("stowage.seed", System.nanoTime());

    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(SEED);

    static Stream<Arguments> modes() {
        return Stream.of(
            Arguments.of("SYNC, positional", Durability.sync(), LogStore.WriteMode.POSITIONAL),
            Arguments.of("SYNC, mapped", Durability.sync(), LogStore.WriteMode.MAPPED),
            Arguments.of("NONE, mapped", Durability.none(), LogStore.WriteMode.MAPPED));
    }

    private LogStore.Builder builder(Durability durability, LogStore.WriteMode mode) {
        return LogStore.builder(dir).durability(durability).writeMode(mode).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE)
            .checkpointInterval(Duration.ZERO).compactionInterval(Duration.ZERO).compactionBytesPerSecond(0)
            .segmentDeleteGrace(Duration.ZERO).spareSegments(2);
    }

    /** Overwrites the keys round-robin with random values of 2-4 KiB; {@code latest} tracks what each holds. */
    private void write(LogStore store, Map<String, byte[]> latest, int writes) {
        for (int i = 0; i < writes; i++) {
            String key = "k" + random.nextInt(KEYS);
            byte[] value = new byte[2048 + random.nextInt(2048)];
            random.nextBytes(value);
            store.writeState(NS, key, ReplayableBody.ofBytes(value), Precondition.any());
            latest.put(key, value);
        }
    }

    private static void assertServes(LogStore store, Map<String, byte[]> latest) {
        latest.forEach((key, value) -> {
            try (Content c = store.readState(NS, key)) {
                assertThat(c.readAllBytes()).as("seed %d: %s", SEED, key).isEqualTo(value);
            }
        });
    }

    private List<Path> spareFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve(StoreRoot.SEGMENTS_DIR))) {
            return files.filter(p -> p.getFileName().toString().endsWith(Segment.SPARE_SUFFIX)).sorted().toList();
        }
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino");
    }

    /** The segment file holding the end of the log: the last one with a record (spares prepared ahead have none). */
    private Path lastSegmentWithRecords() throws IOException {
        List<Path> segments = LogFiles.segments(dir);
        for (int i = segments.size() - 1; i >= 0; i--) {
            if (LogFiles.readInt(segments.get(i), 0) != 0) {
                return segments.get(i);
            }
        }
        throw new AssertionError("no segment holds a record");
    }

    /** Offset where the log ends in {@code segment}: after its last record. */
    private static int endOfLog(Path segment) throws IOException {
        List<Integer> offsets = LogFiles.recordOffsets(segment);
        int last = offsets.get(offsets.size() - 1);
        return (int) RecordDescriptor.align(last + (long) LogFiles.frameLength(segment, last));
    }

    /**
     * Writes until the log ends a few records into the first spare file, compacted from segment
     * {@code spareId[0]} (set here); returns that file, now a segment again.
     */
    private Path endTheLogInASpare(LogStore store, Map<String, byte[]> latest, long[] spareId) throws IOException {
        write(store, latest, 100);
        CompactionReport report = store.compact();
        assertThat(report.segmentsRecycled()).as(report.toString()).isEqualTo(2);
        List<Path> spares = spareFiles();
        assertThat(spares).hasSize(2);
        spareId[0] = Long.parseUnsignedLong(spares.get(0).getFileName().toString().substring(0, 16), 16);
        Object reused = inode(spares.get(0));
        for (int i = 0; i < 1000 && !inode(lastSegmentWithRecords()).equals(reused); i++) {
            write(store, latest, 1);
        }
        Path segment = lastSegmentWithRecords();
        assertThat(inode(segment)).as("the log reached the first spare's file").isEqualTo(reused);
        write(store, latest, 3);
        assertThat(lastSegmentWithRecords()).isEqualTo(segment);
        return segment;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void aCompactedSegmentsFileServesALaterSegmentAndItsOldBytesStayOutOfTheLog(String name, Durability durability,
                                                                                LogStore.WriteMode mode) throws Exception {
        Map<String, byte[]> latest = new HashMap<>();
        Path reused;
        try (LogStore store = builder(durability, mode).open()) {
            reused = endTheLogInASpare(store, latest, new long[1]);
            assertServes(store, latest);
        }
        int end = endOfLog(reused);
        byte[] bytes = Files.readAllBytes(reused);
        for (int i = end; i < end + RecordDescriptor.END_MARK_LENGTH; i++) {
            assertThat(bytes[i]).as("the end mark at %d", i).isZero();
        }
        long staleBytes = 0;
        for (int i = end + RecordDescriptor.END_MARK_LENGTH; i < bytes.length; i++) {
            staleBytes += bytes[i] != 0 ? 1 : 0;
        }
        assertThat(staleBytes).as("bytes of the file's earlier use behind the end of the log").isGreaterThan(bytes.length / 4);

        try (LogStore store = builder(durability, mode).open()) {
            assertThat(store.recoveryReport().repaired()).as(store.recoveryReport().toString()).isFalse();
            assertServes(store, latest);
            write(store, latest, 60);
            assertServes(store, latest);
        }
        try (LogStore store = builder(durability, mode).open()) {
            assertThat(store.recoveryReport().repaired()).as(store.recoveryReport().toString()).isFalse();
            assertServes(store, latest);
        }
        VerifyReport verified = LogVerifier.verify(dir);
        assertThat(verified.clean()).as(verified.toString()).isTrue();
    }

    /**
     * A whole record of the file's earlier life where the log now ends (its end mark lost, as a
     * torn write can leave it): a copy made by compaction, which keeps its old LSN and so passes
     * the LSN sequence, stamped with the current epoch. Only the per-segment CRC seed tells it
     * apart; the open cuts it instead of applying it.
     */
    @Test
    void aRecordOfTheFilesEarlierLifeWhereTheLogEndsIsCutNotApplied() throws Exception {
        Map<String, byte[]> latest = new HashMap<>();
        long[] spareId = new long[1];
        Path reused;
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).open()) {
            reused = endTheLogInASpare(store, latest, spareId);
        }
        int end = endOfLog(reused);
        List<Integer> offsets = LogFiles.recordOffsets(reused);
        int epoch = LogFiles.readInt(reused, offsets.get(offsets.size() - 1) + RecordDescriptor.EPOCH_OFFSET);
        long earlierSeed = RecordCodec.seed(StoreRoot.readManifest(dir).recordSeed(), spareId[0]);
        byte[] zombie = "a version compaction copied in the file's earlier life".getBytes(StandardCharsets.UTF_8);
        writeRecord(reused, end, "zombie", zombie, RecordDescriptor.FLAG_COPIED, epoch, earlierSeed);

        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.truncatedSegment()).isEqualTo(reused.toString());
            assertThat(report.truncatedAtOffset()).isEqualTo(end);
            assertThat(report.truncationReason()).contains("CRC32C");
            assertThatThrownBy(() -> store.readState(NS, "zombie")).isInstanceOf(NotFoundException.class);
            assertServes(store, latest);
        }
    }

    /** Encodes a state put of {@code key} at {@code offset} of a closed store's segment file, sealed under {@code seed}. */
    private static void writeRecord(Path segment, int offset, String key, byte[] value, byte flags, int epoch, long seed)
        throws IOException {
        byte[] ns = NS.getBytes(StandardCharsets.UTF_8);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int frame = (int) RecordDescriptor.frameLength(ns.length, k.length, 0, value.length);
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(frame));
        RecordCodec codec = new RecordCodec();
        codec.writeHeader(buffer, 0, RecordDescriptor.TYPE_PUT, RecordDescriptor.SPACE_STATE, flags, ns, k, RecordCodec.NO_ATTRIBUTES,
            1, System.currentTimeMillis(), epoch, value.length);
        buffer.putBytes(RecordCodec.valueOffset(ns.length, k.length, 0), value);
        codec.seal(buffer, 0, frame, seed);
        try (FileChannel c = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            c.write(buffer.byteBuffer().duplicate().clear(), offset);
        }
    }

    @Test
    void compactedFilesAreDeletedNotReusedWhileAFollowerIsOpen() throws Exception {
        Map<String, byte[]> latest = new HashMap<>();
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).open()) {
            write(store, latest, 100);
            try (LogFollower follower = LogFollower.builder(dir).open()) {
                CompactionReport report = store.compact();
                assertThat(report.segmentsDeleted()).as(report.toString()).isPositive();
                assertThat(report.segmentsRecycled()).as("a follower may still read them").isZero();
                assertThat(spareFiles()).isEmpty();
                assertThat(follower.appliedLsn()).isPositive();
            }
            write(store, latest, 100);
            CompactionReport report = store.compact();
            assertThat(report.segmentsRecycled()).as("the follower closed: " + report).isPositive();
            assertServes(store, latest);
        }
    }

    /**
     * A pass keeps as spares as many files as the log started since the last pass that retired
     * segments, when that is more than spareSegments: the writer would start that many again
     * before the next one. A pass after the writes stopped gives the extra ones back.
     */
    @Test
    void aBusyLogKeepsAsManySparesAsItStartsSegmentsPerPass() throws Exception {
        Map<String, byte[]> latest = new HashMap<>();
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).open()) {
            write(store, latest, 100);
            assertThat(store.compact().segmentsRecycled()).as("the first pass knows no rate yet").isEqualTo(2);
            long before = Segment.parseId(lastSegmentWithRecords().getFileName().toString());
            write(store, latest, 400);
            long started = Segment.parseId(lastSegmentWithRecords().getFileName().toString()) - before;
            CompactionReport busy = store.compact();
            assertThat(started).isGreaterThan(4);
            assertThat(busy.segmentsRecycled()).as("%d segments started: %s", started, busy)
                .isEqualTo((int) Math.min(started, busy.segmentsDeleted()));
            CompactionReport idle = store.compact();
            assertThat(spareFiles()).as("after an idle pass: %s", idle).hasSizeLessThanOrEqualTo(2);
            assertServes(store, latest);
        }
    }

    @Test
    void noSparesMeansNoneHoweverBusyTheLog() throws Exception {
        Map<String, byte[]> latest = new HashMap<>();
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).spareSegments(0).open()) {
            for (int pass = 0; pass < 3; pass++) {
                write(store, latest, 200);
                assertThat(store.compact().segmentsRecycled()).isZero();
            }
            assertThat(spareFiles()).isEmpty();
            assertServes(store, latest);
        }
    }

    /** A segment prepared ahead and never used becomes a spare at the next open, and its id is issued again. */
    @Test
    void aSegmentIdThatComesBackNeverReplacesItsEarlierSpare() throws Exception {
        Path segments = Files.createDirectories(dir.resolve(StoreRoot.SEGMENTS_DIR));
        int size = LogStore.Builder.MIN_SEGMENT_SIZE;
        try (SegmentLog log = SegmentLog.open(segments, size, 0, 4, "test", Syncer.REAL, StoreRoot.LogStart.ORIGIN, true,
            Segment.Zeros.SYNCED)) {
            for (int i = 0; i < 2; i++) {
                Segment sameId = Segment.create(segments, 5, 0, size, Syncer.REAL, true, Segment.Zeros.SYNCED);
                assertThat(sameId.release()).isTrue();
                assertThat(log.keepAsSpare(sameId)).isTrue();
            }
            assertThat(log.spares()).isEqualTo(2);
            assertThat(spareFiles()).hasSize(2);
        }
    }

    @Test
    void sparesOutliveTheWriterUpToTheNumberTheNextOneKeeps() throws Exception {
        Map<String, byte[]> latest = new HashMap<>();
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).spareSegments(3).open()) {
            write(store, latest, 100);
            assertThat(store.compact().segmentsRecycled()).isEqualTo(3);
        }
        assertThat(spareFiles()).hasSize(3);
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).spareSegments(1).open()) {
            assertThat(spareFiles()).hasSizeLessThanOrEqualTo(1);
            assertServes(store, latest);
        }
        try (LogStore store = builder(Durability.sync(), LogStore.WriteMode.POSITIONAL).spareSegments(0).open()) {
            assertThat(spareFiles()).isEmpty();
            write(store, latest, 100);
            CompactionReport report = store.compact();
            assertThat(report.segmentsDeleted()).isPositive();
            assertThat(report.segmentsRecycled()).isZero();
            assertThat(spareFiles()).isEmpty();
            assertServes(store, latest);
        }
    }
}
