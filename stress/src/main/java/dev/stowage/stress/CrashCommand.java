package dev.stowage.stress;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.Stores;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code crash}: starts a writer JVM, kills it with SIGKILL at a random moment, reopens the store
 * here and checks every acknowledged write against the acknowledgement log this process kept
 * (each key must hold exactly the bytes of its last acknowledged write, or of a later one that was
 * in flight), then starts the next cycle on the recovered store. Exit status 1 on any violation.
 */
@Command(name = "crash", mixinStandardHelpOptions = true,
    description = "Kill a writer process with SIGKILL at random moments and verify every acknowledged write.")
final class CrashCommand implements Callable<Integer> {
    @Option(names = "--store", description = "Store URL (default: a disk:// store in a temporary directory, deleted afterwards).")
    String store;
    @Option(names = "--cycles", defaultValue = "20", description = "Kill-and-verify cycles (default ${DEFAULT-VALUE}).")
    int cycles;
    @Option(names = "--durability", defaultValue = "SYNC", description = "Durability of a disk:// store without one in its URL (default ${DEFAULT-VALUE}).")
    String durability;
    @Option(names = "--max-run", defaultValue = "1000", description = "Longest a writer runs after opening the store before the kill, in ms (default ${DEFAULT-VALUE}).")
    int maxRunMillis;
    @Option(names = "--seed", description = "Seed of the kill moments (default: random; printed).")
    Long seed;

    PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        long actualSeed = seed != null ? seed : System.nanoTime();
        SplittableRandom random = new SplittableRandom(actualSeed);
        long checked = 0;
        long violations = 0;
        long totalAcks = 0;
        // Every acknowledgement of every cycle: a key must keep its last acknowledged write (or a later one) forever.
        Map<String, Long> acked = new HashMap<>();
        try (StoreSpec spec = StoreSpec.of(store, durability)) {
            out.println("store " + spec.url + ", " + cycles + " cycles, seed " + actualSeed);
            for (int cycle = 1; cycle <= cycles; cycle++) {
                AtomicLong acks = new AtomicLong();
                CountDownLatch ready = new CountDownLatch(1);
                AtomicReference<Exception> readFailure = new AtomicReference<>();
                Process writer = ChildProcess.start("crash-writer", spec.url, Long.toString(cycle * 1_000_000_000L));
                Thread ackReader = new Thread(() -> readAcks(writer.getInputStream(), acked, acks, ready, readFailure), "stress-ack-reader");
                ackReader.start();
                // The kill moment is counted from the open store, not from the JVM's start, so a slow
                // start (a loaded machine, a long recovery) never leaves a cycle without writes.
                if (!ready.await(60, TimeUnit.SECONDS)) {
                    out.println("cycle " + cycle + ": the writer did not open the store within 60 s");
                }
                Thread.sleep(random.nextInt(Math.max(1, maxRunMillis)));
                // SIGKILL through the handle: Process.destroyForcibly also closes the pipe, losing
                // the ACKs the reader had not yet taken from it.
                writer.toHandle().destroyForcibly();
                writer.waitFor(30, TimeUnit.SECONDS);
                ackReader.join();
                if (readFailure.get() != null) {
                    // The acknowledgement log is incomplete: checking against it would prove nothing.
                    out.println("cycle " + cycle + ": reading the writer's acknowledgements failed: " + readFailure.get());
                    return 1;
                }
                int[] result = check(spec.url, acked, cycle);
                checked += result[0];
                violations += result[1];
                totalAcks += acks.get();
                out.printf("cycle %3d: %,6d writes acknowledged before the kill, %,d keys checked, %d violations%n", cycle,
                    acks.get(), result[0], result[1]);
            }
        }
        out.printf("%d cycles, %,d writes acknowledged, %,d acknowledged keys checked, %d violations%n", cycles, totalAcks,
            checked, violations);
        return violations == 0 ? 0 : 1;
    }

    /**
     * Takes the writer's output until the kill closes it. Only lines ended by a newline count: the
     * writer prints each acknowledgement with its line break in one write, so a line without one
     * is output cut by the kill, never a whole acknowledgement. Anything else that goes wrong (a
     * malformed line, a read error) goes to {@code failure}: the acknowledgement log would be
     * incomplete, and a check against it would prove nothing.
     */
    static void readAcks(InputStream output, Map<String, Long> acked, AtomicLong count, CountDownLatch ready,
                         AtomicReference<Exception> failure) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8))) {
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) != -1; ) {
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                String text = line.toString();
                line.setLength(0);
                if (text.equals("READY")) {
                    ready.countDown();
                } else if (text.startsWith("ACK ")) {
                    String[] parts = text.split(" ");
                    if (parts.length != 3) {
                        throw new IllegalStateException("malformed acknowledgement line: " + text);
                    }
                    synchronized (acked) {
                        acked.put(parts[1], Long.parseLong(parts[2]));
                    }
                    count.incrementAndGet();
                }
            }
        } catch (IOException | RuntimeException e) {
            failure.set(e);
        } finally {
            ready.countDown();
        }
    }

    /** Returns {keys checked, violations}. */
    private int[] check(String url, Map<String, Long> acked, int cycle) {
        int checkedKeys = 0;
        int violations = 0;
        try (Backend backend = Stores.open(url)) {
            for (Map.Entry<String, Long> e : Map.copyOf(acked).entrySet()) {
                checkedKeys++;
                String key = e.getKey();
                try (Content c = backend.readState(ChildProcess.NS, key)) {
                    byte[] value = c.readAllBytes();
                    long seq = Values.sequenceOf(key, value);
                    if (seq < e.getValue() || !Values.isExactly(key, seq, ChildProcess.CRASH_VALUE_SIZE, value)) {
                        violations++;
                        out.println("VIOLATION cycle " + cycle + ": " + key + " holds sequence " + seq
                            + " (" + value.length + " bytes); acknowledged " + e.getValue());
                    }
                } catch (NotFoundException missing) {
                    violations++;
                    out.println("VIOLATION cycle " + cycle + ": " + key + " missing; acknowledged " + e.getValue());
                }
            }
        }
        return new int[] {checkedKeys, violations};
    }
}
