package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.stowage.CorruptionException;
import dev.stowage.ObjectAttributes;
import dev.stowage.conformance.LeakCheckingTest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the record decoder: random bytes and mutations of valid records never make it
 * throw or read out of bounds (Agrona's bounds checks would throw), and recovery over mutated
 * segment files ends in success or {@link CorruptionException}, nothing else, after which no key
 * serves bytes that were never written for it.
 */
class RecordFuzzTest extends LeakCheckingTest {
    private static final long SEED = Long.getLong("stowage.seed", System.nanoTime());
    /** The CRC seed of the segment the records are encoded for. */
    private static final long CRC_SEED = RecordCodec.seed(SEED, 7);

    @TempDir
    Path dir;

    private static int encodeValid(RecordCodec codec, UnsafeBuffer buffer, int offset, SplittableRandom random) {
        byte[] ns = ("ns" + random.nextInt(100)).getBytes(StandardCharsets.UTF_8);
        byte[] key = ("key/" + random.nextInt(1000)).getBytes(StandardCharsets.UTF_8);
        byte[] attrs = random.nextBoolean() ? RecordCodec.NO_ATTRIBUTES
            : RecordCodec.encodeAttributes(new ObjectAttributes("text/plain", random.nextBoolean() ? null : "d" + random.nextInt()));
        byte[] value = new byte[random.nextInt(200)];
        random.nextBytes(value);
        codec.writeHeader(buffer, offset, RecordDescriptor.TYPE_PUT, RecordDescriptor.SPACE_OBJECT, (byte) 0, ns, key, attrs,
            1, 0, 1, value.length);
        buffer.putBytes(offset + RecordCodec.valueOffset(ns.length, key.length, attrs.length), value);
        int frame = (int) RecordDescriptor.frameLength(ns.length, key.length, attrs.length, value.length);
        codec.seal(buffer, offset, frame, CRC_SEED);
        return frame;
    }

    @Test
    void checkNeverThrowsOnRandomOrMutatedBytes() {
        SplittableRandom random = new SplittableRandom(SEED);
        RecordCodec codec = new RecordCodec();
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        int accepted = 0;
        for (int round = 0; round < 20_000; round++) {
            buffer.setMemory(0, buffer.capacity(), (byte) 0);
            int frame = encodeValid(codec, buffer, 0, random);
            assertThat(codec.check(buffer, 0, buffer.capacity(), CRC_SEED)).as("seed %d: valid record", SEED).isNull();
            if (round % 4 == 0) {
                byte[] noise = new byte[buffer.capacity()];
                random.nextBytes(noise);
                buffer.putBytes(0, noise);
            } else {
                for (int m = 1 + random.nextInt(3); m > 0; m--) {
                    int at = random.nextInt(Math.min(buffer.capacity(), frame + 16));
                    buffer.putByte(at, (byte) (buffer.getByte(at) ^ (1 << random.nextInt(8))));
                }
            }
            int limit = random.nextInt(buffer.capacity() + 1);
            String[] verdict = new String[1];
            assertThatCode(() -> verdict[0] = codec.check(buffer, 0, limit, CRC_SEED)).as("seed %d round %d", SEED, round)
                .doesNotThrowAnyException();
            if (verdict[0] == null) {
                accepted++;
                assertThatCode(() -> {
                    RecordCodec.namespace(buffer, 0);
                    RecordCodec.key(buffer, 0);
                    int attrLength = RecordCodec.attributesLength(buffer, 0);
                    RecordCodec.decodeAttributes(buffer, RecordCodec.valueStart(buffer, 0) - attrLength, attrLength);
                }).as("seed %d round %d: decoding an accepted record", SEED, round).doesNotThrowAnyException();
            }
        }
        // A mutation that leaves the CRC valid is practically impossible; truncation by limit is the usual reason.
        assertThat(accepted).as("seed %d", SEED).isLessThan(20_000 / 10);
    }

    /**
     * A record is valid only in the segment and store it was written for: the old records of a
     * recycled segment file, or a record's image copied into another segment, never pass.
     */
    @Test
    void aRecordIsValidOnlyUnderTheSeedOfItsSegmentAndStore() {
        SplittableRandom random = new SplittableRandom(SEED);
        RecordCodec codec = new RecordCodec();
        UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        for (int round = 0; round < 1_000; round++) {
            long recordSeed = random.nextLong();
            long segmentId = 1 + random.nextInt(1 << 20);
            long seed = RecordCodec.seed(recordSeed, segmentId);
            buffer.setMemory(0, buffer.capacity(), (byte) 0);
            int frame = encodeValid(codec, buffer, 0, random);
            codec.seal(buffer, 0, frame, seed);
            assertThat(codec.check(buffer, 0, buffer.capacity(), seed)).as("seed %d round %d", SEED, round).isNull();
            assertThat(codec.check(buffer, 0, buffer.capacity(), RecordCodec.seed(recordSeed, segmentId + 1 + random.nextInt(1000))))
                .as("seed %d round %d: another segment of the store", SEED, round).contains("CRC32C");
            assertThat(codec.check(buffer, 0, buffer.capacity(), RecordCodec.seed(recordSeed ^ (1L << random.nextInt(64)), segmentId)))
                .as("seed %d round %d: the same segment of another store", SEED, round).contains("CRC32C");
            assertThat(RecordCodec.crcProblem(buffer, 0, seed)).isNull();
        }
    }

    /**
     * Mutated segments (under a checkpoint or replayed): the open succeeds or reports corruption,
     * and every key then serves a version written for it (an older one when a damaged tail was
     * cut), or is absent (its only write cut), or raises {@link CorruptionException}: never bytes
     * that were not written.
     */
    @Test
    void recoveryOverMutatedSegmentsSucceedsOrReportsCorruption() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        for (int round = 0; round < 60; round++) {
            Path root = dir.resolve("r" + round);
            java.util.Map<String, java.util.List<byte[]>> written = new java.util.HashMap<>();
            try (LogStore store = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).open()) {
                for (int i = 0; i < 150; i++) {
                    byte[] value = new byte[random.nextInt(1500)];
                    random.nextBytes(value);
                    String key = "k" + random.nextInt(40);
                    store.storeMeta("ns", key, value, dev.stowage.Precondition.any());
                    written.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(value);
                }
            }
            for (Path segment : LogFiles.segments(root)) {
                byte[] bytes = Files.readAllBytes(segment);
                for (int m = random.nextInt(4); m > 0; m--) {
                    int at = random.nextInt(Math.min(bytes.length, 8192));
                    bytes[at] = (byte) random.nextInt(256);
                }
                Files.write(segment, bytes);
            }
            String what = "seed " + SEED + " round " + round;
            assertThatCode(() -> {
                try (LogStore reopened = LogStore.builder(root).segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ZERO).open()) {
                    servedOrCorrupt(() -> reopened.listMeta("ns", dev.stowage.ListRequest.all()), root);
                    for (var key : written.entrySet()) {
                        servedOrCorrupt(() -> {
                            try {
                                byte[] served = reopened.readMeta("ns", key.getKey()).toByteArray();
                                assertThat(key.getValue()).as("%s: %s serves a version written for it", what, key.getKey())
                                    .anyMatch(v -> java.util.Arrays.equals(v, served));
                            } catch (dev.stowage.NotFoundException cut) {
                                // Its only writes were in a damaged tail that recovery cut.
                            }
                        }, root);
                    }
                } catch (CorruptionException expected) {
                    assertThat(expected.location()).contains(root.toString());
                }
            }).as(what).doesNotThrowAnyException();
        }
    }

    /** Runs {@code use}; a corruption it raises must name a file of the store. */
    private static void servedOrCorrupt(Runnable use, Path root) {
        try {
            use.run();
        } catch (CorruptionException expected) {
            assertThat(expected.location()).contains(root.toString());
        }
    }
}
