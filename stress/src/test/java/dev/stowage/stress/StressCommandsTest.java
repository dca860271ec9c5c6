package dev.stowage.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's commands on real stores and real processes, briefly: a mixed run with its
 * lost-write check, SIGKILL crash cycles, and several processes racing for one disk store.
 */
class StressCommandsTest {
    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void runOnADurableDiskStoreLosesNothing(@TempDir Path dir) throws Exception {
        RunCommand run = new RunCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        run.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        run.store = StoreSpec.diskUrl(dir.resolve("store"));
        run.writers = 3;
        run.readers = 2;
        run.valueSize = 256;
        run.duration = "2s";
        run.warmup = "1s";
        run.durability = "GROUP:2ms";
        run.casRatio = 0.2;
        run.keySpace = 300;
        run.hgrm = dir.resolve("run.hgrm");
        assertThat(run.call()).as(text(bytes)).isZero();
        assertThat(text(bytes)).contains("t=  1s", "errors: 0   corrupt reads: 0   lost writes/updates: 0",
            "buffered acknowledgements").as("GROUP acknowledges before the sync").doesNotContain("durable acknowledgements");
        assertThat(Files.readString(run.hgrm)).contains("# write latency", "# cas latency", "Percentile");
        assertThat(Main.verify(run.store, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false)).isZero();
        assertThat(text(bytes)).contains("warm-up t=  1s", "warm-up over");
        // The report adds the moments between the last line and the writers' stop, much shorter than the warm-up's second.
        long measured = summedOps(text(bytes), "t=");
        assertThat(reportedOps(text(bytes))).as("the report counts the measured seconds, not the warm-up")
            .isBetween(measured, measured + summedOps(text(bytes), "warm-up t=") - 1);
    }

    /** The operations of the progress lines starting with {@code prefix}. */
    private static long summedOps(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix))
            .mapToLong(l -> Long.parseLong(l.replaceFirst("^.*?s +([0-9,]+) ops/s.*$", "$1").replace(",", ""))).sum();
    }

    private static long reportedOps(String output) {
        return output.lines().filter(l -> l.contains(" operations in "))
            .mapToLong(l -> Long.parseLong(l.replaceFirst("^([0-9,]+) operations in .*$", "$1").replace(",", ""))).sum();
    }

    /**
     * The short CI version of the overwrite-heavy compaction run recorded in docs/benchmarks.md.
     * The bound is the store's own budget, not a speed: records with headers (~1.1x the values),
     * sealed segments up to 1 / (1 - 0.4) of that, the active and prepared segment (0.25x here),
     * and, while a pass runs, the copies of live records beside the originals they replace: ~3.2x
     * at the worst moment. Without compaction the run leaves ~60x. Seals on the writer
     * ({@code backgroundSync=false}): a background seal also rewrites the manifest's mark of
     * unsynced segments, which on 256 KiB segments (80 seals a second) keeps the sealer busy, so
     * passes come less often and sealed segments wait longer (4.4-5.6x under NONE or GROUP,
     * docs/benchmarks.md, run 22).
     */
    @Test
    void compactionKeepsAnOverwrittenStoreWithinFourTimesItsLiveData(@TempDir Path dir) throws Exception {
        RunCommand run = new RunCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        run.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        run.store = StoreSpec.diskUrl(dir.resolve("store"))
            + "?segmentSize=262144&compactionDeadRatio=0.4&segmentDeleteGrace=0s&compactionBytesPerSecond=0&backgroundSync=false";
        run.writers = 2;
        run.readers = 1;
        run.valueSize = 1024;
        run.duration = "8s";
        run.durability = "GROUP:2ms";
        run.casRatio = 0;
        run.keySpace = 2000;
        run.maxDiskRatio = 4;
        run.hgrm = dir.resolve("run.hgrm");
        assertThat(run.call()).as(text(bytes)).isZero();
        assertThat(text(bytes)).contains("lost writes/updates: 0").containsPattern("disk: peak [0-9.]+ MiB").doesNotContain("EXCEEDED");
    }

    @Test
    void runOnTheMemoryStore() throws Exception {
        RunCommand run = new RunCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        run.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        run.store = "mem://";
        run.writers = 2;
        run.readers = 1;
        run.valueSize = 64;
        run.duration = "1s";
        run.durability = "SYNC";
        run.casRatio = 0.5;
        run.keySpace = 50;
        assertThat(run.call()).as(text(bytes)).isZero();
        assertThat(text(bytes)).contains("buffered acknowledgements");
    }

    @Test
    void crashCyclesKeepEveryAcknowledgedWrite(@TempDir Path dir) throws Exception {
        CrashCommand crash = new CrashCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        crash.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        crash.store = StoreSpec.diskUrl(dir.resolve("store"));
        crash.cycles = 3;
        crash.durability = "SYNC";
        crash.maxRunMillis = 800;
        assertThat(crash.call()).as(text(bytes)).isZero();
        assertThat(text(bytes)).contains("3 cycles", "0 violations").doesNotContain("VIOLATION");
        assertThat(text(bytes)).as("writes happened to be killed").containsPattern("3 cycles, [1-9][0-9,]* writes acknowledged");
    }

    /** The kill can cut the writer's last line anywhere: only whole lines are acknowledgements. */
    @Test
    void aCutLastLineIsNoAcknowledgementAndAMalformedLineFailsTheCycle() {
        Map<String, Long> acked = new HashMap<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        AtomicLong count = new AtomicLong();
        CrashCommand.readAcks(stream("READY\n[main] INFO opened\nACK k1 15\nACK k2 7\nACK k1 1"), acked, count, ready, failure);
        assertThat(failure.get()).isNull();
        assertThat(ready.getCount()).isZero();
        assertThat(acked).containsExactlyInAnyOrderEntriesOf(Map.of("k1", 15L, "k2", 7L));
        assertThat(count.get()).isEqualTo(2);

        CrashCommand.readAcks(stream("ACK k3\nACK k4 2\n"), acked, count, ready, failure);
        assertThat(failure.get()).hasMessageContaining("malformed acknowledgement line: ACK k3");
    }

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void severalProcessesOnOneDiskStoreAdmitExactlyOneWriter(@TempDir Path dir) throws Exception {
        MultiCommand multi = new MultiCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        multi.out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        multi.store = StoreSpec.diskUrl(dir.resolve("store"));
        multi.processes = 3;
        assertThat(multi.call()).as(text(bytes)).isZero();
        assertThat(text(bytes)).contains("3 processes: 1 opened the store, 2 refused with StoreLockedException");
    }
}
