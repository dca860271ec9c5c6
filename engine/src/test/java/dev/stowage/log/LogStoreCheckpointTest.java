package dev.stowage.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints bound recovery. A crash is simulated by copying a live store's files (its mappings
 * are shared, so the copy holds every acknowledged record, as after kill -9).
 */
class LogStoreCheckpointTest extends LeakCheckingTest {
    private static final String NS = "ck";

    @TempDir
    Path dir;

    private LogStore.Builder builder(Path root) {
        return LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).checkpointInterval(Duration.ZERO);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    /** Stores k0..k99 (values v0..v99) and closes, which writes a checkpoint. */
    private void storeHundredKeys(Path root) {
        try (LogStore store = builder(root).open()) {
            for (int i = 0; i < 100; i++) {
                store.storeMeta(NS, "k" + i, bytes("v" + i), Precondition.any());
            }
        }
    }


    /** Stores k0..k99 as {@link #storeHundredKeys} does, copying the live store to {@code copy} after k49. */
    private void storeHundredKeysCopyingAfterFifty(Path root, Path copy) throws IOException {
        try (LogStore store = builder(root).open()) {
            for (int i = 0; i < 100; i++) {
                if (i == 50) {
                    LogFiles.copyTree(root, copy);
                }
                store.storeMeta(NS, "k" + i, bytes("v" + i), Precondition.any());
            }
        }
    }

    @Test
    void cleanCloseWritesACheckpointAndReopenReplaysNothing() {
        Path root = dir.resolve("store");
        try (LogStore store = builder(root).open()) {
            for (int i = 0; i < 300; i++) {
                store.storeMeta(NS, "k" + (i % 50), bytes("v" + i), Precondition.any());
            }
            store.deleteMeta(NS, "k0", Precondition.any());
        }
        try (LogStore store = builder(root).open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.checkpointLsn()).isEqualTo(301);
            assertThat(report.records()).isZero();
            assertThat(report.checkpointsRejected()).isNull();
            assertThatThrownBy(() -> store.readMeta(NS, "k0")).isInstanceOf(NotFoundException.class);
            assertThat(store.readMeta(NS, "k49").toByteArray()).isEqualTo(bytes("v299"));
            assertThat(store.storeMeta(NS, "next", bytes("x"), Precondition.mustNotExist())).endsWith("-" + Long.toHexString(302));
        }
    }

    @Test
    void crashAfterACheckpointReplaysOnlyLaterRecordsDeletesIncluded() throws Exception {
        Path root = dir.resolve("store");
        Path crashed = dir.resolve("crashed");
        try (LogStore store = builder(root).open()) {
            for (int i = 0; i < 200; i++) {
                store.storeMeta(NS, "k" + i, bytes("v" + i), Precondition.any());
            }
            store.deleteMeta(NS, "k1", Precondition.any());
            assertThat(store.checkpoint()).isEqualTo(201);
            store.deleteMeta(NS, "k2", Precondition.any());
            store.storeMeta(NS, "k3", bytes("after"), Precondition.any());
            store.storeMeta(NS, "new", bytes("after"), Precondition.mustNotExist());
            LogFiles.copyTree(root, crashed);
        }
        try (LogStore store = builder(crashed).open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.checkpointLsn()).isEqualTo(201);
            assertThat(report.records()).isEqualTo(3);
            assertThatThrownBy(() -> store.readMeta(NS, "k1")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> store.readMeta(NS, "k2")).isInstanceOf(NotFoundException.class);
            assertThat(store.readMeta(NS, "k3").toByteArray()).isEqualTo(bytes("after"));
            assertThat(store.readMeta(NS, "new").toByteArray()).isEqualTo(bytes("after"));
            assertThat(store.readMeta(NS, "k199").toByteArray()).isEqualTo(bytes("v199"));
        }
    }

    /**
     * Under NONE durability nothing is synced between seals, yet a checkpoint covers every write
     * acknowledged before it (it starts replay where the index's applied changes end, and has the
     * log synced up to there before it is published): a buffered store replays only what came
     * after it, with or without a seal, synced in the background or not
     * ({@link LogStore.Builder#backgroundSync}).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void underNoneDurabilityACheckpointCoversEveryAcknowledgedWrite(boolean backgroundSync) throws Exception {
        Path root = dir.resolve("store");
        Path crashed = dir.resolve("crashed");
        try (LogStore store = builder(root).durability(Durability.none()).backgroundSync(backgroundSync).open()) {
            for (int i = 0; i < 40; i++) {
                store.storeMeta(NS, "k" + i, new byte[1000], Precondition.any());
            }
            assertThat(store.checkpoint()).as("no seal yet").isEqualTo(40);
            int written = writeUntilSegments(store, root, 2, 40);
            assertThat(store.checkpoint()).as("past a seal").isEqualTo(written);
            for (int i = 0; i < 5; i++) {
                store.storeMeta(NS, "after-" + i, bytes("x"), Precondition.any());
            }
            LogFiles.copyTree(root, crashed);
            try (LogStore copy = builder(crashed).durability(Durability.none()).backgroundSync(backgroundSync).open()) {
                RecoveryReport report = copy.recoveryReport();
                assertThat(report.checkpointLsn()).isEqualTo(written);
                assertThat(report.records()).as("only the records after the checkpoint").isEqualTo(5);
                assertThat(copy.readMeta(NS, "after-4").toByteArray()).isEqualTo(bytes("x"));
                assertThat(copy.readMeta(NS, "k0").size()).isEqualTo(1000);
            }
        }
    }

    @Test
    void keysOutsideAsciiAndMixedAttributesSurviveACheckpoint() {
        Path root = dir.resolve("store");
        List<String> namespaces = List.of("ascii", "second-ns");
        List<String> keys = List.of("k", "k\u00e9y", "k/\uD83D\uDE00/emoji", "plain/" + "x".repeat(200));
        ObjectAttributes typed = new ObjectAttributes("text/plain; charset=utf-8", "descriptor-1");
        try (LogStore store = builder(root).open()) {
            for (String ns : namespaces) {
                for (String key : keys) {
                    store.storeMeta(ns, key, bytes(ns + key), Precondition.any());
                    store.putObject(ns, key, ReplayableBody.ofBytes(bytes(key)), key.equals("k") ? ObjectAttributes.DEFAULT : typed,
                        Precondition.any());
                }
            }
        }
        try (LogStore store = builder(root).open()) {
            assertThat(store.recoveryReport().checkpointsRejected()).isNull();
            assertThat(store.recoveryReport().records()).isZero();
            for (String ns : namespaces) {
                for (String key : keys) {
                    assertThat(store.readMeta(ns, key).toByteArray()).isEqualTo(bytes(ns + key));
                    assertThat(store.headObject(ns, key).attributes()).isEqualTo(key.equals("k") ? ObjectAttributes.DEFAULT : typed);
                }
                assertThat(store.listMeta(ns, dev.stowage.ListRequest.all()).items()).hasSize(keys.size());
            }
        }
    }

    @Test
    void truncatedCheckpointIsRejected() throws Exception {
        Path root = dir.resolve("store");
        storeHundredKeys(root);
        Path checkpoint = Checkpoints.list(root.resolve(Checkpoints.DIR), false).get(0);
        for (long length : new long[] {Files.size(checkpoint) / 2, 10}) {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(checkpoint,
                java.nio.file.StandardOpenOption.WRITE)) {
                channel.truncate(length);
            }
            // Each close writes the checkpoint again (same LSN, same name): the next round cuts that one.
            try (LogStore store = builder(root).open()) {
                assertThat(store.recoveryReport().checkpointsRejected()).startsWith(checkpoint.getFileName().toString());
                assertThat(store.recoveryReport().records()).isEqualTo(100);
                assertThat(store.readMeta(NS, "k99").toByteArray()).isEqualTo(bytes("v99"));
            }
        }
    }

    @Test
    void damagedCheckpointIsRejectedAndTheLogReplayedInFull() throws Exception {
        Path root = dir.resolve("store");
        storeHundredKeys(root);
        List<Path> checkpoints = Checkpoints.list(root.resolve(Checkpoints.DIR), false);
        assertThat(checkpoints).hasSize(1);
        // A flipped bit in an entry is caught by the structure checks or, at the end, by the CRC.
        LogFiles.flipBit(checkpoints.get(0), 40, 2);
        try (LogStore store = builder(root).open()) {
            assertThat(store.recoveryReport().checkpointLsn()).isEqualTo(-1);
            assertThat(store.recoveryReport().checkpointsRejected()).startsWith(checkpoints.get(0).getFileName().toString());
        }
        // The reopen above wrote a fresh checkpoint at close; damage only its stored CRC.
        Path fresh = Checkpoints.list(root.resolve(Checkpoints.DIR), false).get(Checkpoints.list(root.resolve(Checkpoints.DIR), false).size() - 1);
        LogFiles.flipBit(fresh, Files.size(fresh) - 1, 0);
        try (LogStore store = builder(root).open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.checkpointLsn()).isEqualTo(-1);
            assertThat(report.checkpointsRejected()).contains("CRC32C");
            assertThat(report.records()).isEqualTo(100);
            assertThat(store.readMeta(NS, "k99").toByteArray()).isEqualTo(bytes("v99"));
        }
    }

    @Test
    void checkpointNewerThanTheLogIsRejected() throws Exception {
        Path root = dir.resolve("store");
        Path older = dir.resolve("older");
        storeHundredKeysCopyingAfterFifty(root, older);
        // The older log, with the checkpoint written at LSN 100 by the clean close.
        LogFiles.copyTree(root.resolve(Checkpoints.DIR), older.resolve(Checkpoints.DIR));
        try (LogStore store = builder(older).open()) {
            RecoveryReport report = store.recoveryReport();
            assertThat(report.checkpointLsn()).isEqualTo(-1);
            assertThat(report.checkpointsRejected()).contains("newer than the log");
            assertThat(report.records()).isEqualTo(50);
            assertThatThrownBy(() -> store.readMeta(NS, "k50")).isInstanceOf(NotFoundException.class);
        }
    }

    /**
     * Two copies of a log that went on differently (same LSNs, same record boundaries, other keys):
     * a checkpoint of one is rejected by the other, whose bytes before the checkpoint's position
     * are not those it was taken after, rather than trusted to point at records of other keys.
     */
    @Test
    void checkpointOfALogThatWentOnDifferentlyIsRejected() throws Exception {
        Path root = dir.resolve("store");
        Path other = dir.resolve("other");
        storeHundredKeysCopyingAfterFifty(root, other);
        try (LogStore store = builder(other).open()) {
            for (int i = 50; i < 100; i++) {
                store.storeMeta(NS, "x" + i, bytes("w" + i), Precondition.any());
            }
        }
        // Both closes wrote a checkpoint at LSN 100, under the same name: the store's replaces the other's.
        LogFiles.copyTree(root.resolve(Checkpoints.DIR), other.resolve(Checkpoints.DIR));
        try (LogStore store = builder(other).open()) {
            assertThat(store.recoveryReport().checkpointsRejected()).contains("not those it was taken after");
            assertThat(store.recoveryReport().checkpointLsn()).isLessThan(100);
            assertThat(store.readMeta(NS, "x50").toByteArray()).isEqualTo(bytes("w50"));
            assertThat(store.readMeta(NS, "k49").toByteArray()).isEqualTo(bytes("v49"));
            assertThatThrownBy(() -> store.readMeta(NS, "k50")).isInstanceOf(NotFoundException.class);
            assertThat(store.listMeta(NS, dev.stowage.ListRequest.all()).items()).hasSize(100);
        }
    }

    /**
     * Blob references survive checkpoints taken from a checkpoint base: an open deletes every blob
     * file no entry references, so a reference count lost on the way would delete a live value.
     * The second checkpoint is written by a store that opened on the first and changed one key,
     * so most of its entries come from the base without their records being read.
     */
    @Test
    void blobReferencesSurviveCheckpointsOfACheckpointBase() throws Exception {
        Path root = dir.resolve("store");
        byte[] first = new byte[3000];
        byte[] second = new byte[5000];
        java.util.Arrays.fill(first, (byte) 1);
        java.util.Arrays.fill(second, (byte) 2);
        try (LogStore store = builder(root).blobThreshold(1024).open()) {
            for (int i = 0; i < 10; i++) {
                store.putObject(NS, "blob" + i, ReplayableBody.ofBytes(first), ObjectAttributes.DEFAULT, Precondition.any());
            }
            store.copyObject(NS, "blob0", "copy", Precondition.any()); // shares blob0's file
            store.putObject(NS, "blob0", ReplayableBody.ofBytes(second), ObjectAttributes.DEFAULT, Precondition.any());
        }
        for (int round = 0; round < 2; round++) {
            try (LogStore store = builder(root).blobThreshold(1024).open()) {
                assertThat(store.recoveryReport().records()).as("round %d replays nothing", round).isZero();
                store.storeMeta(NS, "round", bytes("r" + round), Precondition.any());
            }
        }
        try (LogStore store = builder(root).blobThreshold(1024).open();
             Stream<Path> files = Files.list(root.resolve(BlobStore.DIR))) {
            assertThat(files.count()).as("blob files: ten values and the copy's shared one").isEqualTo(11);
            for (int i = 0; i < 10; i++) {
                try (Content c = store.getObject(NS, "blob" + i)) {
                    assertThat(c.readAllBytes()).isEqualTo(i == 0 ? second : first);
                }
            }
            try (Content c = store.getObject(NS, "copy")) {
                assertThat(c.readAllBytes()).isEqualTo(first);
            }
            store.deleteObject(NS, "copy", Precondition.any());
            store.deleteObject(NS, "blob0", Precondition.any());
        }
        try (LogStore store = builder(root).blobThreshold(1024).open();
             Stream<Path> files = Files.list(root.resolve(BlobStore.DIR))) {
            assertThat(files.count()).as("the deleted values' blobs went at this open").isEqualTo(9);
            try (Content c = store.getObject(NS, "blob9")) {
                assertThat(c.readAllBytes()).isEqualTo(first);
            }
        }
    }

    /** A store's first checkpoint file as bytes, with the slot of each key of its first run. */
    private record CheckpointFile(Path path, java.nio.ByteBuffer bytes, int slots, java.util.Map<String, Integer> slotOf) {
        static CheckpointFile firstOf(Path root) throws IOException {
            Path path = Checkpoints.list(root.resolve(Checkpoints.DIR), false).get(0);
            java.nio.ByteBuffer file = java.nio.ByteBuffer.wrap(Files.readAllBytes(path)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int run = file.getInt(CheckpointDescriptor.TABLES_OFFSET);
            int slots = file.getInt(run + CheckpointDescriptor.RUN_SLOTS_OFFSET);
            java.util.Map<String, Integer> slotOf = new java.util.HashMap<>();
            for (int i = 0; i < file.getInt(run + CheckpointDescriptor.RUN_ENTRIES_OFFSET); i++) {
                int at = file.getInt(slots + i * Integer.BYTES);
                byte[] key = new byte[file.getShort(at + CheckpointDescriptor.ENTRY_KEY_LENGTH_OFFSET)];
                file.get(at + CheckpointDescriptor.ENTRY_KEY_OFFSET, key);
                slotOf.put(new String(key, UTF_8), i);
            }
            return new CheckpointFile(path, file, slots, slotOf);
        }

        /** Where {@code key}'s slot (the offset of its entry) is in the file. */
        int slot(String key) {
            return slots + slotOf.get(key) * Integer.BYTES;
        }

        /** Where {@code key}'s entry is in the file. */
        int entry(String key) {
            return bytes.getInt(slot(key));
        }
    }

    /**
     * The open does not scan the records a checkpoint covers, so a record damaged since it was
     * written is found when its key is first used: a typed corruption naming the segment and the
     * offset, whatever its length fields say (a negative value length once reached an array
     * allocation, found by RecordFuzzTest). The other keys are served.
     */
    @Test
    void damagedRecordsUnderACheckpointAreCorruptionWhenUsed() throws Exception {
        Path root = dir.resolve("store");
        storeHundredKeys(root);
        CheckpointFile checkpoint = CheckpointFile.firstOf(root);
        java.util.function.ToIntFunction<String> recordOf = key ->
            checkpoint.bytes().getInt(checkpoint.entry(key) + CheckpointDescriptor.ENTRY_RECORD_OFFSET);
        Path segment = LogFiles.segments(root).get(0);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer field = java.nio.ByteBuffer.allocate(Long.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            channel.write(field.putLong(0, -805_304_984L), recordOf.applyAsInt("k3") + RecordDescriptor.VALUE_LENGTH_OFFSET);
            channel.write(field.clear().limit(Integer.BYTES).putInt(0, Integer.MAX_VALUE),
                recordOf.applyAsInt("k4") + RecordDescriptor.FRAME_LENGTH_OFFSET);
        }
        try (LogStore store = builder(root).open()) {
            assertThat(store.recoveryReport().checkpointsRejected()).isNull();
            assertThatThrownBy(() -> store.readMeta(NS, "k3")).isInstanceOf(dev.stowage.CorruptionException.class)
                .hasMessageContaining(segment.getFileName() + " offset " + recordOf.applyAsInt("k3")).hasMessageContaining("part lengths");
            assertThatThrownBy(() -> store.listMeta(NS, dev.stowage.ListRequest.all())).isInstanceOf(dev.stowage.CorruptionException.class);
            assertThatThrownBy(() -> store.readMeta(NS, "k4")).isInstanceOf(dev.stowage.CorruptionException.class)
                .hasMessageContaining(segment.getFileName() + " offset " + recordOf.applyAsInt("k4")).hasMessageContaining("frame length");
            assertThat(store.readMeta(NS, "k5").toByteArray()).isEqualTo(bytes("v5"));
        }
    }

    /**
     * The open trusts the records a checkpoint covers without reading them, so bit rot inside a
     * value (or in the record of a blob reference) is found when the value is first served or copied: a typed corruption naming the
     * segment and the record, never the rotten bytes. The entry's metadata is still served, a
     * listing reads no value, every other key is served, and the damaged values can be replaced.
     */
    @Test
    void bitRotInValuesUnderACheckpointIsCorruptionWhenServed() throws Exception {
        Path root = dir.resolve("store");
        byte[] meta = bytes("a meta document");
        byte[] large = new byte[4000];
        new java.util.Random(30).nextBytes(large);
        try (LogStore store = builder(root).blobThreshold(pattern(0).length).open()) {
            store.putObject(NS, "blob", ReplayableBody.ofBytes(large), ObjectAttributes.DEFAULT, Precondition.any());
            for (int i = 0; i < 5; i++) {
                store.putObject(NS, "o" + i, ReplayableBody.ofBytes(pattern(i)), ObjectAttributes.DEFAULT, Precondition.any());
            }
            store.storeMeta(NS, "m", meta, Precondition.any());
            store.stage(NS, "s", "t1", ReplayableBody.ofBytes(pattern(5)), Precondition.any());
            // The damage must lie before the log's last 4 KiB, which the open compares with the checkpoint.
            for (int i = 0; i < 8; i++) {
                store.storeMeta("filler", "f" + i, pattern(10 + i), Precondition.any());
            }
        }
        Path segment = LogFiles.segments(root).get(0);
        String o2 = segment.getFileName() + " at offset " + flipBitInValue(segment, pattern(2));
        String m = segment.getFileName() + " at offset " + flipBitInValue(segment, meta);
        String staged = segment.getFileName() + " at offset " + flipBitInValue(segment, pattern(5));
        // The blob itself is intact; its record (the reference, with the key's timestamp) is not.
        int blobRecord = LogFiles.recordOffsets(segment).get(0);
        LogFiles.flipBit(segment, blobRecord + RecordDescriptor.TIMESTAMP_OFFSET, 0);
        try (LogStore store = builder(root).blobThreshold(pattern(0).length).open()) {
            assertThat(store.recoveryReport().checkpointsRejected()).isNull();
            assertThat(store.headObject(NS, "o2").size()).isEqualTo(pattern(2).length);
            assertThat(store.listObjects(NS, dev.stowage.ListRequest.all()).items()).hasSize(6);
            assertThatThrownBy(() -> store.getObject(NS, "blob")).isInstanceOf(dev.stowage.CorruptionException.class)
                .hasMessageContaining(segment.getFileName() + " at offset " + blobRecord).hasMessageContaining("CRC32C mismatch");
            for (org.assertj.core.api.ThrowableAssert.ThrowingCallable use : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                () -> store.getObject(NS, "o2"), () -> store.viewObject(NS, "o2"), () -> store.getObject(NS, "o2"),
                () -> store.copyObject(NS, "o2", "copy", Precondition.any()))) {
                assertThatThrownBy(use).isInstanceOf(dev.stowage.CorruptionException.class).hasMessageContaining(o2)
                    .hasMessageContaining("CRC32C mismatch");
            }
            assertThatThrownBy(() -> store.headObject(NS, "copy")).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> store.readMeta(NS, "m")).isInstanceOf(dev.stowage.CorruptionException.class).hasMessageContaining(m);
            assertThatThrownBy(() -> store.promote(NS, "s", "t1", Precondition.any())).isInstanceOf(dev.stowage.CorruptionException.class)
                .hasMessageContaining(staged);
            for (int i : new int[] {0, 1, 3, 4}) {
                try (Content c = store.getObject(NS, "o" + i)) {
                    assertThat(c.stream().readAllBytes()).isEqualTo(pattern(i));
                }
            }
            store.copyObject(NS, "o3", "copy", Precondition.any());
            try (ValueView copy = store.viewObject(NS, "copy")) {
                byte[] read = new byte[copy.size()];
                copy.buffer().get(read);
                assertThat(read).isEqualTo(pattern(3));
            }
            // A damaged value can be replaced: writes do not read the value they replace.
            store.storeMeta(NS, "m", bytes("repaired"), Precondition.any());
            assertThat(store.readMeta(NS, "m").toByteArray()).isEqualTo(bytes("repaired"));
            store.putObject(NS, "o2", ReplayableBody.ofBytes(pattern(20)), ObjectAttributes.DEFAULT, Precondition.any());
            try (Content c = store.getObject(NS, "o2")) {
                assertThat(c.stream().readAllBytes()).isEqualTo(pattern(20));
            }
        }
    }

    /** 1 KiB unique to {@code seed}. */
    private static byte[] pattern(int seed) {
        byte[] value = new byte[1024];
        new java.util.Random(seed).nextBytes(value);
        return value;
    }

    /** Flips a bit in the middle of the only copy of {@code value} in {@code segment}; returns its record's offset. */
    private static int flipBitInValue(Path segment, byte[] value) throws IOException {
        byte[] file = Files.readAllBytes(segment);
        int at = -1;
        for (int i = 0; i + value.length <= file.length && at < 0; i++) {
            if (java.util.Arrays.equals(file, i, i + value.length, value, 0, value.length)) {
                at = i;
            }
        }
        assertThat(at).as("value in %s", segment).isNotNegative();
        int record = -1;
        for (int offset : LogFiles.recordOffsets(segment)) {
            if (offset <= at) {
                record = offset;
            }
        }
        LogFiles.flipBit(segment, at + value.length / 2, 3);
        return record;
    }

    /**
     * An entry whose file CRC is right but which names the wrong record (a buggy writer) or a
     * place outside the file is a typed corruption when its key is used, naming the checkpoint;
     * the other keys are served, and the open itself reads no entry to notice.
     */
    @Test
    void checkpointEntriesThatDisagreeWithTheLogAreCorruptionWhenUsed() throws Exception {
        Path root = dir.resolve("store");
        storeHundredKeys(root);
        CheckpointFile parsed = CheckpointFile.firstOf(root);
        Path checkpoint = parsed.path();
        java.nio.ByteBuffer file = parsed.bytes();
        // k5 names k6's record (same length), and k7's slot points past the end of the file.
        file.putInt(parsed.entry("k5") + CheckpointDescriptor.ENTRY_RECORD_OFFSET,
            file.getInt(parsed.entry("k6") + CheckpointDescriptor.ENTRY_RECORD_OFFSET));
        file.putInt(parsed.slot("k7"), file.capacity() - 8);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file.array(), CheckpointDescriptor.HEADER_LENGTH, file.capacity() - CheckpointDescriptor.HEADER_LENGTH);
        crc.update(file.array(), 0, CheckpointDescriptor.CRC_OFFSET);
        file.putInt(CheckpointDescriptor.CRC_OFFSET, (int) crc.getValue());
        Files.write(checkpoint, file.array());
        try (LogStore store = builder(root).open()) {
            assertThat(store.recoveryReport().checkpointsRejected()).isNull();
            assertThat(store.readMeta(NS, "k6").toByteArray()).isEqualTo(bytes("v6"));
            assertThatThrownBy(() -> store.readMeta(NS, "k5")).isInstanceOf(dev.stowage.CorruptionException.class)
                .hasMessageContaining(checkpoint.toString()).hasMessageContaining("names a record of another key");
            assertThatThrownBy(() -> store.readMeta(NS, "k7")).isInstanceOf(dev.stowage.CorruptionException.class)
                .hasMessageContaining(checkpoint.toString()).hasMessageContaining("points outside the file");
            assertThatThrownBy(() -> store.storeMeta(NS, "k5", bytes("again"), Precondition.any()))
                .isInstanceOf(dev.stowage.CorruptionException.class);
            assertThat(store.storeMeta(NS, "k8", bytes("again"), Precondition.any())).isNotNull();
            assertThat(store.readMeta(NS, "k8").toByteArray()).isEqualTo(bytes("again"));
        }
    }

    /**
     * Log bytes make a checkpoint due, not only time: with periodic checkpoints off, a store whose
     * log grows {@code checkpointLogBytes} past the last checkpoint writes one when it seals a
     * segment, so a crash replays only what follows. Distinct keys leave nothing dead, so
     * {@link LogStore#compact()} copies nothing and writes no checkpoint: it only runs on the
     * maintenance thread after whatever a roll queued there, a barrier.
     */
    @Test
    void aCheckpointIsWrittenOnceTheLogSinceTheLastReachesCheckpointLogBytes() throws Exception {
        Path root = dir.resolve("store");
        Path crashed = dir.resolve("crashed");
        Path checkpoints = root.resolve(Checkpoints.DIR);
        int written = 0;
        try (LogStore store = builder(root).checkpointLogBytes(2L * LogStore.Builder.MIN_SEGMENT_SIZE).clock(STOPPED).open()) {
            written = writeUntilSegments(store, root, 3, written);
            store.compact();
            assertThat(Checkpoints.list(checkpoints, false)).as("sealing the second segment: the log since the start is not two segments")
                .isEmpty();
            written = writeUntilSegments(store, root, 4, written);
            store.compact();
            assertThat(Checkpoints.list(checkpoints, false)).as("sealing the third: two whole segments since the start").hasSize(1);
            written = writeUntilSegments(store, root, 5, written);
            store.compact();
            assertThat(Checkpoints.list(checkpoints, false)).as("sealing the fourth: not two segments since that checkpoint").hasSize(1);
            for (int i = 0; i < 5; i++) {
                store.storeMeta(NS, "after-" + i, bytes("x"), Precondition.any());
            }
            LogFiles.copyTree(root, crashed);
        }
        try (LogStore store = builder(crashed).open()) {
            RecoveryReport report = store.recoveryReport();
            long inASegment = LogFiles.recordOffsets(LogFiles.segments(crashed).get(0)).size();
            assertThat(report.checkpointLsn()).as("at least the two sealed segments").isGreaterThanOrEqualTo(2 * inASegment);
            assertThat(report.records()).as("only the log after the checkpoint").isEqualTo(written + 5 - report.checkpointLsn());
            assertThat(store.readMeta(NS, "k0").size()).isEqualTo(1000);
            assertThat(store.readMeta(NS, "k" + (written - 1)).size()).isEqualTo(1000);
            assertThat(store.readMeta(NS, "after-4").toByteArray()).isEqualTo(bytes("x"));
        }
    }

    /**
     * A compaction pass holds the maintenance thread for as long as it copies, seconds on a large
     * store, so a checkpoint its own copies make due is written between its segments, not after
     * it. Counted by the checkpoint directory's syncs: one per checkpoint written.
     */
    @Test
    void aCheckpointDueDuringACompactionPassIsWrittenBetweenItsSegments() throws Exception {
        Path root = dir.resolve("store");
        Path checkpoints = root.resolve(Checkpoints.DIR);
        RecordingSyncer syncer = new RecordingSyncer();
        try (LogStore store = builder(root).checkpointLogBytes(2L * LogStore.Builder.MIN_SEGMENT_SIZE).compactionDeadRatio(0.1)
            .clock(STOPPED).syncer(syncer).open()) {
            for (int i = 0; i < 600; i++) {
                store.storeMeta(NS, "k" + i, new byte[1000], Precondition.any());
            }
            for (int i = 0; i < 600; i += 2) {
                store.storeMeta(NS, "k" + i, new byte[1000], Precondition.any());
            }
            store.checkpoint();
            long before = syncer.count(checkpoints);
            CompactionReport report = store.compact();
            assertThat(report.bytesCopied()).as("copies of about five segments' live halves").isGreaterThan(4L * LogStore.Builder.MIN_SEGMENT_SIZE);
            assertThat(syncer.count(checkpoints) - before).as("the pass's own checkpoint and at least one between its segments")
                .isGreaterThanOrEqualTo(2);
            assertThat(store.readMeta(NS, "k1").size()).isEqualTo(1000);
        }
    }

    /**
     * A checkpoint made due by log bytes waits until nine times the last one's duration has passed
     * since it ended: on a large index under fast writes, checkpoints would otherwise take the
     * whole maintenance thread. The injected clock makes each checkpoint take a second (its
     * directory sync moves the clock on).
     */
    @Test
    void checkpointsDueByLogBytesWaitNineTimesTheLastOnesDuration() throws Exception {
        Path root = dir.resolve("store");
        Path checkpoints = root.resolve(Checkpoints.DIR);
        AtomicLong now = new AtomicLong(1_000_000);
        RecordingSyncer syncer = new RecordingSyncer();
        syncer.afterDirectorySync = directory -> {
            if (directory.equals(checkpoints)) {
                now.addAndGet(1000);
            }
        };
        try (LogStore store = builder(root).checkpointLogBytes(2L * LogStore.Builder.MIN_SEGMENT_SIZE)
            .clock(() -> Instant.ofEpochMilli(now.get())).syncer(syncer).open()) {
            int written = 0;
            written = writeUntilSegments(store, root, 4, written);
            store.compact();
            assertThat(syncer.count(checkpoints)).as("the first: no earlier one to wait for").isEqualTo(1);
            written = writeUntilSegments(store, root, 8, written);
            store.compact();
            assertThat(syncer.count(checkpoints)).as("four segments on, but no time has passed").isEqualTo(1);
            now.addAndGet(8999);
            written = writeUntilSegments(store, root, 9, written);
            store.compact();
            assertThat(syncer.count(checkpoints)).as("a millisecond short of nine seconds").isEqualTo(1);
            now.addAndGet(1);
            written = writeUntilSegments(store, root, 10, written);
            store.compact();
            assertThat(syncer.count(checkpoints)).as("nine seconds after the last ended").isEqualTo(2);
        }
    }

    /**
     * Under {@code NONE} a checkpoint copies index entries newer than the last sync. A power loss
     * keeps only what was synced, so the checkpoint must not be published before the records it
     * names are synced: the store then comes back with each key's last durable version, a prefix
     * of what was written, never a key that reads as corrupt.
     */
    @Test
    void underNoneDurabilityACheckpointNamesOnlySyncedRecords() throws Exception {
        Path root = dir.resolve("store");
        Path crashed = dir.resolve("crashed");
        RecordingSyncer syncer = new RecordingSyncer();
        Map<Long, Integer> syncedAtCopy;
        try (LogStore store = builder(root).durability(Durability.none()).syncer(syncer).open()) {
            store.storeMeta(NS, "k", bytes("durable"), Precondition.any());
            store.storeMeta(NS, "gone", bytes("durable"), Precondition.any());
            store.sync();
            store.storeMeta(NS, "k", bytes("buffered"), Precondition.any());
            store.deleteMeta(NS, "gone", Precondition.any());
            store.checkpoint();
            LogFiles.copyTree(root, crashed);
            syncedAtCopy = syncer.syncedTo();
        }
        LogFiles.losePower(crashed, syncedAtCopy);
        try (LogStore store = builder(crashed).durability(Durability.none()).open()) {
            assertThat(store.readMeta(NS, "k").toByteArray()).isEqualTo(bytes("buffered"));
            assertThatThrownBy(() -> store.readMeta(NS, "gone")).isInstanceOf(NotFoundException.class);
        }
    }

    /**
     * The same for a checkpoint the store writes on its own: here one a compaction pass writes
     * between its segments, when the copies it just made are in the page cache only. It waits for
     * a seal to sync them and, with writes idle, syncs them itself; the power loss is taken at the
     * moment it is published (the checkpoint directory's sync), so a checkpoint published before
     * its records were synced would name lost records.
     */
    @Test
    void underNoneDurabilityACheckpointBetweenCompactionSegmentsNamesOnlySyncedRecords() throws Exception {
        Path root = dir.resolve("store");
        Path crashed = dir.resolve("crashed");
        Path checkpoints = root.resolve(Checkpoints.DIR);
        Map<Long, Integer> syncedAtCrash = new ConcurrentHashMap<>();
        AtomicBoolean armed = new AtomicBoolean();
        RecordingSyncer powerLossAtPublication = new RecordingSyncer();
        powerLossAtPublication.afterDirectorySync = directory -> {
            if (directory.equals(checkpoints) && armed.compareAndSet(true, false)) {
                syncedAtCrash.putAll(powerLossAtPublication.syncedTo());
                LogFiles.copyTree(root, crashed);
            }
        };
        int keys = 600;
        try (LogStore store = builder(root).durability(Durability.none()).checkpointLogBytes(2L * LogStore.Builder.MIN_SEGMENT_SIZE)
            .compactionDeadRatio(0.1).clock(STOPPED).syncer(powerLossAtPublication).open()) {
            for (int i = 0; i < keys; i++) {
                store.storeMeta(NS, "k" + i, value(i), Precondition.any());
            }
            for (int i = 0; i < keys; i += 2) {
                store.storeMeta(NS, "k" + i, value(i), Precondition.any());
            }
            store.checkpoint();
            armed.set(true);
            store.compact();
            assertThat(armed.get()).as("a checkpoint was written between the pass's segments").isFalse();
        }
        LogFiles.losePower(crashed, syncedAtCrash);
        try (LogStore store = builder(crashed).durability(Durability.none()).open()) {
            for (int i = 0; i < keys; i++) {
                assertThat(store.readMeta(NS, "k" + i).toByteArray()).as("k%d", i).isEqualTo(value(i));
            }
        }
    }

    private static byte[] value(int i) {
        return bytes(String.format("%-1000d", i));
    }

    /** A clock that never moves: every checkpoint takes no time, so none waits for the last one's duration. */
    private static final InstantSource STOPPED = InstantSource.fixed(Instant.ofEpochMilli(1_000_000));

    /**
     * Stores 1000-byte values under {@code k<written>}, {@code k<written + 1>}, ... until
     * {@code segments} segment files hold records; returns the number of the next key.
     */
    private static int writeUntilSegments(LogStore store, Path root, int segments, int written) throws IOException {
        while (LogFiles.segmentsWithRecords(root).size() < segments) {
            store.storeMeta(NS, "k" + written++, new byte[1000], Precondition.any());
        }
        return written;
    }

    @Test
    void onlyTheNewestCheckpointsAreKept() throws Exception {
        Path root = dir.resolve("store");
        try (LogStore store = builder(root).open()) {
            for (int round = 0; round < 5; round++) {
                store.storeMeta(NS, "k", bytes("v" + round), Precondition.any());
                store.checkpoint();
            }
            assertThat(Checkpoints.list(root.resolve(Checkpoints.DIR), false)).hasSize(Checkpoints.KEEP);
        }
    }
}
