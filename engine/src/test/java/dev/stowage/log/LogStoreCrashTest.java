package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.NotFoundException;
import dev.stowage.conformance.LeakCheckingTest;
import dev.stowage.staging.StagingSweeper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writer JVM with SIGKILL at random moments and checks, after each kill, that every write
 * the child acknowledged is present with its exact bytes, that nothing unacknowledged appears
 * half-written (a key holds exactly its last acknowledged version or the one after it), and that
 * the CAS chains continue in the next cycle. Recovery must also be deterministic: a second open
 * finds every key at the version the first found, and so does a replay of the whole log that
 * ignores the checkpoints. Cycles: {@code -Dstowage.crash.cycles} (default 50).
 */
class LogStoreCrashTest extends LeakCheckingTest {
    private static final int CYCLES = Integer.getInteger("stowage.crash.cycles", 50);
    private static final int THREADS = 8;
    private static final int KEYS_PER_THREAD = 10;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void acknowledgedWritesSurviveSigkill() throws Exception {
        run("chains", CYCLES);
    }

    /**
     * Kill -9 while a compactor copies live records forward and deletes segments or keeps them as
     * spares that later segments reuse (their old records behind the end of the log), at any point.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void acknowledgedWritesSurviveSigkillDuringCompaction() throws Exception {
        run("compact", Math.max(1, CYCLES / 2));
    }

    /**
     * The same under NONE, synced in the background: a pass's checkpoint starts replay after its
     * copies and is published once they are synced, so a kill at any point finds either the old
     * checkpoint and segments or the new ones, and the same keys as a replay of the whole log.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void bufferedWritesSurviveSigkillDuringCompaction() throws Exception {
        run("compact-buffered", Math.max(1, CYCLES / 5));
    }

    /** Kill -9 of a writer in NFS mode (positional writes and fsync, file closed per batch). */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void acknowledgedWritesSurviveSigkillInNfsMode() throws Exception {
        run("nfs", Math.max(1, CYCLES / 5));
    }

    /** Kill -9 of a writer that encodes into the mapping and syncs with msync (the default writes positionally under SYNC). */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void acknowledgedWritesSurviveSigkillWithMappedWrites() throws Exception {
        run("mapped", Math.max(1, CYCLES / 5));
    }

    /**
     * Kill -9 of a NONE writer that syncs in the background ({@link LogStore.Builder#backgroundSync}):
     * acknowledged from the page cache, which survives the kill, so nothing may be cut, whatever
     * the manifest's mark of unsynced segments says when the kill lands.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void bufferedWritesSyncedInTheBackgroundSurviveSigkill() throws Exception {
        run("buffered", Math.max(1, CYCLES / 5));
    }

    /** The same for a GROUP writer, whose interval syncs run on the same background thread as its seals. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void groupWritesSyncedInTheBackgroundSurviveSigkill() throws Exception {
        run("group", Math.max(1, CYCLES / 5));
    }

    /** Kill -9 during promote loops: every head is old or new, never torn; the sweeper leaves no orphan. */
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void promotesSurviveSigkillAndTheSweeperLeavesNoOrphan() throws Exception {
        run("promote", Math.max(1, CYCLES / 2));
    }

    private void run(String mode, int cycles) throws Exception {
        long seed = Long.getLong("stowage.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Long> acked = new HashMap<>();
        java.util.concurrent.atomic.AtomicLong ackCount = new java.util.concurrent.atomic.AtomicLong();
        long checked = 0;
        int repaired = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            Process child = startChild(dir, mode);
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            awaitReady(lines, dir, seed);
            long killAfter = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(400));
            java.util.concurrent.FutureTask<Void> reader = new java.util.concurrent.FutureTask<>(() -> readAcks(lines, acked, ackCount));
            new Thread(reader, "crash-ack-reader").start();
            while (System.nanoTime() < killAfter && child.isAlive()) {
                Thread.onSpinWait();
            }
            assertThat(child.isAlive()).as("child died on its own in cycle %d: %s", cycle, stderr(dir)).isTrue();
            // SIGKILL through the handle: Process.destroyForcibly also closes the pipe, and the ACKs
            // the reader had not yet taken from it were lost (the check then found a key two or more
            // versions past its last ACK seen).
            child.toHandle().destroyForcibly();
            child.waitFor();
            reader.get();
            RecoveryReport report = verify(acked, cycle, seed, mode.equals("promote"));
            checked += acked.size();
            repaired += report.repaired() ? 1 : 0;
        }
        assertThat(ackCount.get()).as("acknowledged writes").isGreaterThan(cycles);
        if (mode.startsWith("compact")) {
            assertThat(StoreRoot.logStart(dir).firstSegment()).as("segments compacted away").isGreaterThan(1);
        }
        if (mode.equals("compact")) {
            // The children log each compaction pass (to stderr, the child log): some kept spare files.
            // (Under NONE a pass waits for a seal, up to 2 s, so few end before the kill: not asked there.)
            assertThat(stderr(dir)).as("compaction passes of the children").containsPattern("segmentsRecycled=[1-9]");
        }
        System.out.printf("crash test (%s): %d cycles, %d acknowledged writes, %d key versions checked,"
            + " %d recoveries repaired a torn tail or incomplete group, 0 violations (seed %d)%n", mode, cycles, ackCount.get(), checked, repaired, seed);
        // Beside the temporary directory, so it outlives it: kept only when the run failed.
        java.nio.file.Files.deleteIfExists(childLog(dir));
    }

    /** Starts a {@link CrashWriter} JVM on {@code dir} in {@code mode}; its stderr goes to a file beside {@code dir}. */
    static Process startChild(Path dir, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        for (String flag : JvmFlags.REQUIRED) {
            command.addAll(List.of(flag.split(" ")));
        }
        command.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
            mode, dir.toString(), String.valueOf(THREADS), String.valueOf(KEYS_PER_THREAD)));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(childLog(dir).toFile())).start();
    }

    private static Path childLog(Path dir) {
        return dir.resolveSibling(dir.getFileName() + "-child.log");
    }

    /** Skips the child's log lines (its logger writes to stdout) up to the READY line. */
    static void awaitReady(BufferedReader lines, Path dir, long seed) throws java.io.IOException {
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.equals("READY")) {
                return;
            }
        }
        throw new AssertionError("child ended before READY (seed " + seed + "): " + stderr(dir));
    }

    static String stderr(Path dir) {
        try {
            return java.nio.file.Files.readString(childLog(dir));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    /** Reads ACK lines until the killed child's pipe ends (each line is one write to the pipe, so whole). */
    private static Void readAcks(BufferedReader lines, Map<String, Long> acked, java.util.concurrent.atomic.AtomicLong count)
        throws java.io.IOException {
        for (String line; (line = lines.readLine()) != null; ) {
            String[] parts = line.split(" ");
            if (parts.length == 3 && parts[0].equals("ACK")) {
                count.incrementAndGet();
                synchronized (acked) {
                    acked.merge(parts[1], Long.parseLong(parts[2]), Math::max);
                }
            }
        }
        return null;
    }

    /** Checks every key against its last acknowledged version; returns the recovery report. */
    private RecoveryReport verify(Map<String, Long> acked, int cycle, long seed, boolean promote) throws java.io.IOException {
        RecoveryReport report = check(acked, cycle, seed, promote);
        Map<String, Long> found;
        synchronized (acked) {
            found = new java.util.TreeMap<>(acked);
        }
        try (LogStore store = LogStore.builder(dir).segmentSize(1 << 20).open()) {
            assertThat(versions(found.keySet(), promote, (space, key) -> read(store, key, promote)))
                .as("a second open after cycle %d (seed %d, %s)", cycle, seed, store.recoveryReport()).isEqualTo(found);
        }
        assertThat(versions(found.keySet(), promote, replayOfTheWholeLog()))
            .as("a replay of the whole log without checkpoints after cycle %d (seed %d)", cycle, seed).isEqualTo(found);
        VerifyReport offline = LogVerifier.verify(dir);
        assertThat(offline.corruption()).as("offline verify after cycle " + cycle + " (seed " + seed + ")").isNull();
        assertThat(offline.tornTail()).as("torn tail after a clean close, cycle " + cycle).isNull();
        return report;
    }

    private RecoveryReport check(Map<String, Long> acked, int cycle, long seed, boolean promote) {
        try (LogStore store = LogStore.builder(dir).segmentSize(1 << 20).open()) {
            if (promote) {
                // Leftover staged versions (staged, never promoted) are orphans: sweep them all.
                InstantSource tomorrow = InstantSource.offset(Clock.systemUTC(), Duration.ofDays(1));
                new StagingSweeper(store, tomorrow, 100).sweep(CrashWriter.NS, Duration.ofHours(1));
                assertThat(store.listStaged(CrashWriter.NS, "", null, 10).items()).as("orphans after the sweep").isEmpty();
            }
            synchronized (acked) {
                for (Map.Entry<String, Long> e : acked.entrySet()) {
                    String key = e.getKey();
                    long ackedVersion = e.getValue();
                    byte[] stored = read(store, key, promote);
                    String where = "cycle " + cycle + " key " + key + " (seed " + seed + ", " + store.recoveryReport() + ")";
                    assertThat(stored).as("acknowledged write lost: " + where).isNotNull();
                    long version = CrashWriter.versionOf(stored);
                    assertThat(version).as("version of " + where).isBetween(ackedVersion, ackedVersion + 1);
                    assertThat(stored).as("bytes of " + where).isEqualTo(CrashWriter.value(key, version));
                    e.setValue(version);
                }
                return store.recoveryReport();
            }
        }
    }

    /** The version each key holds, read through {@code read(space, key)} ({@code null}: absent, -1). */
    private static Map<String, Long> versions(java.util.Set<String> keys, boolean promote,
                                              java.util.function.BiFunction<Byte, String, byte[]> read) {
        Map<String, Long> versions = new java.util.TreeMap<>();
        for (String key : keys) {
            byte space = CrashWriter.isMeta(key, promote) ? RecordDescriptor.SPACE_META : RecordDescriptor.SPACE_STATE;
            byte[] value = read.apply(space, key);
            versions.put(key, value == null ? -1 : CrashWriter.versionOf(value));
        }
        return versions;
    }

    /** Replays every segment from the log start into a fresh index, read-only, and reads values from it. */
    private java.util.function.BiFunction<Byte, String, byte[]> replayOfTheWholeLog() throws java.io.IOException {
        StoreRoot.LogStart start = StoreRoot.logStart(dir);
        List<Segment> segments = new ArrayList<>();
        LogIndex index = new LogIndex();
        Map<String, byte[]> values = new HashMap<>();
        try {
            LogVerifier.mapLog(dir, start, StoreRoot.readManifest(dir).recordSeed(), segments);
            new Recovery(index, false, StoreRoot.ALL_SYNCED).replay(segments, start, new RecoveryReport[1]);
            index.forEach((namespace, space, key, entry) -> {
                byte[] value = new byte[entry.valueLength];
                entry.segment.buffer().getBytes(entry.valueOffset, value);
                values.put(space + "/" + key, value);
            });
        } finally {
            segments.forEach(Segment::release);
        }
        return (space, key) -> values.get(space + "/" + key);
    }

    private static byte[] read(LogStore store, String key, boolean promote) {
        try {
            if (CrashWriter.isMeta(key, promote)) {
                Document d = store.readMeta(CrashWriter.NS, key);
                return d.toByteArray();
            }
            try (Content c = store.readState(CrashWriter.NS, key)) {
                return c.readAllBytes();
            }
        } catch (NotFoundException e) {
            return null;
        }
    }
}
