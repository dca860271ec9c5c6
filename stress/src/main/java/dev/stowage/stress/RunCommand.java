package dev.stowage.stress;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.stowage.Backend;
import dev.stowage.Capability;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.StoreLocation;
import dev.stowage.Stores;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run}: a mixed load of writers (each owning its keys), readers that check every value
 * they read byte for byte, and compare-and-swap increments of a few shared counters; a progress
 * line each second, then a verification pass (every key holds its last acknowledged write, every
 * counter its number of successful increments) and an HdrHistogram report (text, and an
 * {@code .hgrm} file). Exit status 1 on any error, corrupt read, lost write or lost update.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Mixed read / write / CAS load with latency percentiles and a lost-write check.")
final class RunCommand implements Callable<Integer> {
    private static final String NS = "stress";
    private static final int HOT_KEYS = 8;

    @Option(names = "--store", description = "Store URL (default: a disk:// store in a temporary directory, deleted afterwards).")
    String store;
    @Option(names = "--writers", defaultValue = "4", description = "Writer threads (default ${DEFAULT-VALUE}).")
    int writers;
    @Option(names = "--readers", defaultValue = "2", description = "Reader threads (default ${DEFAULT-VALUE}).")
    int readers;
    @Option(names = "--value-size", defaultValue = "1024", description = "Value size in bytes (default ${DEFAULT-VALUE}).")
    int valueSize;
    @Option(names = "--duration", defaultValue = "30s", description = "How long to run, e.g. 30s, 5m (default ${DEFAULT-VALUE}).")
    String duration;
    @Option(names = "--warmup", defaultValue = "0s",
        description = "Load run before --duration and left out of every figure (throughput, latencies, disk peak), e.g. 60s: with many"
            + " keys the first tens of seconds create them, and the JVM copies each new key's objects between survivor spaces"
            + " until it tenures them (default ${DEFAULT-VALUE}).")
    String warmup = "0s";
    @Option(names = "--durability", defaultValue = "SYNC",
        description = "Durability of a disk:// store without one in its URL: SYNC, GROUP:5ms or NONE (default ${DEFAULT-VALUE}).")
    String durability;
    @Option(names = "--cas-ratio", defaultValue = "0.1", description = "Share of writer operations that are CAS increments of shared counters (default ${DEFAULT-VALUE}).")
    double casRatio;
    @Option(names = "--key-space", defaultValue = "10000", description = "Keys written, spread over the writers (default ${DEFAULT-VALUE}).")
    int keySpace;
    @Option(names = "--max-disk-ratio", defaultValue = "0",
        description = "Fail (exit 1) if a disk:// store's files grow beyond this many times the live data in the second half of the run; 0 = no check (default).")
    double maxDiskRatio;
    @Option(names = "--hgrm", description = "Histogram output file (default: stowage-stress-<time>.hgrm in the temporary directory).")
    Path hgrm;

    PrintStream out = System.out;

    /** Latencies (ns, printed in µs: whole microseconds would hide what a 4 µs target is about) of one kind of operation. */
    private static final class Metric {
        final String name;
        final Recorder recorder = new Recorder(3);
        final Histogram total = new Histogram(3);

        Metric(String name) {
            this.name = name;
        }

        void record(long startNanos) {
            recorder.recordValue(Math.max(1, System.nanoTime() - startNanos));
        }

        /** Forgets everything recorded so far: the recorder hands each value to exactly one interval. */
        void reset() {
            recorder.getIntervalHistogram();
            total.reset();
        }

        /** The last interval's histogram, also added to the total. */
        Histogram interval() {
            Histogram h = recorder.getIntervalHistogram();
            total.add(h);
            return h;
        }
    }

    private final Metric writes = new Metric("write");
    private final Metric reads = new Metric("read");
    private final Metric cas = new Metric("cas");
    private final LongAdder errors = new LongAdder();
    private final LongAdder corruptReads = new LongAdder();
    private final LongAdder casConflicts = new LongAdder();
    private final LongAdder readMisses = new LongAdder();
    private final AtomicLongArray casSuccesses = new AtomicLongArray(HOT_KEYS);
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Largest size of the store's files in the second half of the run (disk stores), bytes. */
    private long peakDiskBytes;

    @Override
    public Integer call() throws Exception {
        if (writers < 1 || readers < 0 || valueSize < 32 || keySpace < writers || casRatio < 0 || casRatio > 1) {
            out.println("invalid options: need writers >= 1, readers >= 0, value-size >= 32, key-space >= writers, 0 <= cas-ratio <= 1");
            return 2;
        }
        Duration runFor = StoreLocation.parseDuration("--duration", duration);
        Duration warmFor = StoreLocation.parseDuration("--warmup", warmup);
        try (StoreSpec spec = StoreSpec.of(store, durability); Backend backend = Stores.open(spec.url)) {
            // Durable = acknowledged after a sync: a disk store in SYNC mode, or a remote store.
            boolean durable = backend.capabilities().has(Capability.DURABLE)
                && (!spec.isDisk() || spec.url.toUpperCase(java.util.Locale.ROOT).contains("DURABILITY=SYNC"));
            out.printf("store %s (%s acknowledgements), %d writers, %d readers, %d-byte values, %d keys, CAS ratio %.2f, %s after %s"
                + " of warm-up%n", spec.url, durable ? "durable" : "buffered", writers, readers, valueSize, keySpace, casRatio, runFor,
                warmFor);
            long[][] acked = new long[writers][];
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                acked[w] = new long[keySpace / writers];
                threads.add(start("stress-writer-" + w, () -> writer(backend, id, acked[id])));
            }
            for (int r = 0; r < readers; r++) {
                int id = r;
                threads.add(start("stress-reader-" + r, () -> reader(backend, id)));
            }
            Path diskRoot = spec.isDisk() ? StoreSpec.diskPath(spec.url) : null;
            if (!warmFor.isZero()) {
                load(warmFor, diskRoot, false);
                for (Metric m : List.of(writes, reads, cas)) {
                    m.reset();
                }
                out.println("warm-up over: the figures below leave it out");
            }
            long started = System.nanoTime();
            load(runFor, diskRoot, true);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            progressInterval();
            long lost = verify(backend, acked);
            long liveBytes = 0;
            for (long[] perWriter : acked) {
                for (long seq : perWriter) {
                    liveBytes += seq == 0 ? 0 : valueSize;
                }
            }
            return report(seconds, lost, durable, diskRoot == null ? -1 : liveBytes);
        }
    }

    /** Prints a progress line each second for {@code span}; {@code measured}: also tracks the disk peak in its second half. */
    private void load(Duration span, Path diskRoot, boolean measured) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + span.toNanos();
        for (int second = 1; System.nanoTime() < deadline; second++) {
            Thread.sleep(Math.max(0, Math.min(1000, (deadline - System.nanoTime()) / 1_000_000)));
            long disk = diskRoot == null ? -1 : directorySize(diskRoot);
            if (measured && System.nanoTime() - started > span.toNanos() / 2) {
                peakDiskBytes = Math.max(peakDiskBytes, disk);
            }
            progress(measured ? "t" : "warm-up t", second, disk);
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.start();
        return t;
    }

    private static String key(int writer, int index) {
        return "w" + writer + "/k" + index;
    }

    private void writer(Backend backend, int id, long[] acked) {
        SplittableRandom random = new SplittableRandom(id * 7919L + System.nanoTime());
        while (!stop.get()) {
            try {
                if (random.nextDouble() < casRatio) {
                    casIncrement(backend, random.nextInt(HOT_KEYS));
                } else {
                    int index = random.nextInt(acked.length);
                    String key = key(id, index);
                    long seq = acked[index] + 1;
                    ReplayableBody value = ReplayableBody.ofBytes(Values.of(key, seq, valueSize)); // made before the clock starts
                    long t0 = System.nanoTime();
                    backend.writeState(NS, key, value, Precondition.any());
                    writes.record(t0);
                    acked[index] = seq;
                }
            } catch (RuntimeException e) {
                error(e);
            }
        }
    }

    private void casIncrement(Backend backend, int hot) {
        String key = "hot/" + hot;
        long t0 = System.nanoTime();
        try {
            long current;
            Precondition precondition;
            try {
                Document d = backend.readMeta(NS, key);
                current = Long.parseLong(new String(d.toByteArray(), UTF_8));
                precondition = Precondition.ifMatch(d.etag());
            } catch (NotFoundException absent) {
                current = 0;
                precondition = Precondition.mustNotExist();
            }
            backend.storeMeta(NS, key, Long.toString(current + 1).getBytes(UTF_8), precondition);
            casSuccesses.incrementAndGet(hot);
            cas.record(t0);
        } catch (PreconditionFailedException lostRace) {
            casConflicts.increment();
        }
    }

    private void reader(Backend backend, int id) {
        SplittableRandom random = new SplittableRandom(id * 104729L + System.nanoTime());
        int perWriter = keySpace / writers;
        while (!stop.get()) {
            String key = key(random.nextInt(writers), random.nextInt(perWriter));
            long t0 = System.nanoTime();
            try (Content c = backend.readState(NS, key)) {
                byte[] value = c.readAllBytes();
                reads.record(t0);
                long seq = Values.sequenceOf(key, value);
                if (seq < 1 || !Values.isExactly(key, seq, valueSize, value)) {
                    corruptReads.increment();
                    out.println("CORRUPT read of " + key + ": " + value.length + " bytes, claims sequence " + seq);
                }
            } catch (NotFoundException notWrittenYet) {
                reads.record(t0);
                readMisses.increment();
            } catch (RuntimeException e) {
                error(e);
            }
        }
    }

    private void error(RuntimeException e) {
        errors.increment();
        if (errors.sum() <= 5) {
            out.println("ERROR " + e);
        }
    }

    private void progress(String label, int second, long diskBytes) {
        Histogram w = writes.interval();
        Histogram r = reads.interval();
        Histogram c = cas.interval();
        out.printf("%s=%3ds  %,9d ops/s  (write %,d  read %,d  cas %,d)  p99 write %s  read %s  cas %s  errors %d%s%n", label, second,
            w.getTotalCount() + r.getTotalCount() + c.getTotalCount(), w.getTotalCount(), r.getTotalCount(), c.getTotalCount(),
            micros(w.getValueAtPercentile(99)), micros(r.getValueAtPercentile(99)), micros(c.getValueAtPercentile(99)), errors.sum(),
            diskBytes < 0 ? "" : String.format("  disk %.1f MiB", diskBytes / 1048576.0));
    }

    /** Bytes of every file under {@code root} (0 if it vanished meanwhile). */
    private static long directorySize(Path root) {
        try (java.util.stream.Stream<Path> files = Files.walk(root)) {
            return files.mapToLong(p -> {
                try {
                    return Files.isRegularFile(p) ? Files.size(p) : 0;
                } catch (IOException gone) {
                    return 0; // deleted while walking (compaction, checkpoint rotation)
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private void progressInterval() {
        writes.interval();
        reads.interval();
        cas.interval();
    }

    private static String micros(long nanos) {
        if (nanos >= 10_000_000) {
            return String.format("%.1fms", nanos / 1e6);
        }
        return nanos >= 100_000 ? nanos / 1000 + "µs" : String.format("%.1fµs", nanos / 1e3);
    }

    /** Every writer key must hold its last acknowledged write, every counter its successful increments. */
    private long verify(Backend backend, long[][] acked) {
        long lost = 0;
        for (int w = 0; w < acked.length; w++) {
            for (int i = 0; i < acked[w].length; i++) {
                if (acked[w][i] == 0) {
                    continue;
                }
                String key = key(w, i);
                try (Content c = backend.readState(NS, key)) {
                    if (!Values.isExactly(key, acked[w][i], valueSize, c.readAllBytes())) {
                        lost++;
                        out.println("LOST WRITE: " + key + " does not hold acknowledged write " + acked[w][i]);
                    }
                } catch (NotFoundException e) {
                    lost++;
                    out.println("LOST WRITE: " + key + " is missing; acknowledged write " + acked[w][i]);
                }
            }
        }
        for (int h = 0; h < HOT_KEYS; h++) {
            long expected = casSuccesses.get(h);
            long stored;
            try {
                stored = Long.parseLong(new String(backend.readMeta(NS, "hot/" + h).toByteArray(), UTF_8));
            } catch (NotFoundException e) {
                stored = 0;
            }
            if (stored != expected) {
                lost++;
                out.println("LOST UPDATE: counter hot/" + h + " is " + stored + " after " + expected + " successful CAS increments");
            }
        }
        return lost;
    }

    private int report(double seconds, long lost, boolean durable, long liveBytes) throws IOException {
        long ops = writes.total.getTotalCount() + reads.total.getTotalCount() + cas.total.getTotalCount();
        out.printf("%n%,d operations in %.1f s: %,.0f ops/s (%s acknowledgements)%n", ops, seconds, ops / seconds,
            durable ? "durable" : "buffered");
        out.println("op       count        p50        p90        p99      p99.9        max   (latency)");
        StringBuilder hgrmText = new StringBuilder();
        for (Metric m : List.of(writes, reads, cas)) {
            Histogram h = m.total;
            out.printf("%-5s %,10d %10s %10s %10s %10s %10s%n", m.name, h.getTotalCount(), micros(h.getValueAtPercentile(50)),
                micros(h.getValueAtPercentile(90)), micros(h.getValueAtPercentile(99)), micros(h.getValueAtPercentile(99.9)),
                micros(h.getMaxValue()));
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            try (PrintStream p = new PrintStream(text, true, UTF_8)) {
                p.println("# " + m.name + " latency, microseconds");
                h.outputPercentileDistribution(p, 1000.0);
            }
            hgrmText.append(text.toString(UTF_8));
        }
        Path file = hgrm != null ? hgrm : Files.createTempFile("stowage-stress-", ".hgrm");
        Files.writeString(file, hgrmText);
        out.printf("reads of keys not written yet: %,d   CAS conflicts (lost races, expected): %,d%n", readMisses.sum(),
            casConflicts.sum());
        out.printf("errors: %d   corrupt reads: %d   lost writes/updates: %d%n", errors.sum(), corruptReads.sum(), lost);
        out.println("histograms: " + file);
        boolean diskOk = true;
        if (liveBytes > 0) {
            double ratio = peakDiskBytes / (double) liveBytes;
            out.printf("disk: peak %.1f MiB in the second half of the run, live data %.1f MiB (%d-byte values): %.2fx%n",
                peakDiskBytes / 1048576.0, liveBytes / 1048576.0, valueSize, ratio);
            if (maxDiskRatio > 0 && ratio > maxDiskRatio) {
                out.printf("DISK BOUND EXCEEDED: %.2fx > --max-disk-ratio %.2f%n", ratio, maxDiskRatio);
                diskOk = false;
            }
        }
        return errors.sum() == 0 && corruptReads.sum() == 0 && lost == 0 && diskOk ? 0 : 1;
    }
}
