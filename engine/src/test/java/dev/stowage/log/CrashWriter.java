package dev.stowage.log;

import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child process of {@link LogStoreCrashTest}: extends per-key CAS chains in a logstore as fast as
 * it can and prints {@code ACK <key> <version>} after each acknowledged write, until it is killed.
 * Version {@code v} of a key has the bytes {@link #value(String, long)}. In mode {@code chains}
 * even keys are meta documents and odd keys state, written directly; mode {@code compact} does the
 * same on 64 KiB segments that a compactor copies forward and deletes every 20 ms; in mode
 * {@code promote} every version is staged under transaction {@code v<version>} and then promoted
 * onto the head; mode {@code nfs} is {@code chains} in the NFS mode (positional writes, closed per
 * batch), mode {@code mapped} is {@code chains} written through the mapping (msync), modes
 * {@code buffered} and {@code group} are {@code chains} under NONE and GROUP(1 ms) durability,
 * synced in the background, and mode {@code compact-buffered} is {@code compact} under NONE, synced in
 * the background (each pass's checkpoint then waits for its copies to be synced).
 *
 * <p>Arguments: mode, store root, number of writer threads, keys per thread.
 */
public final class CrashWriter {
    static final String NS = "crash";

    private CrashWriter() {
    }

    /** The exact bytes of version {@code version} of {@code key}; sizes vary to cross segment ends. */
    static byte[] value(String key, long version) {
        byte[] head = (key + "@" + version + ":").getBytes(StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOf(head, head.length + (int) ((version * 7919 + key.hashCode()) & 0xfff));
        for (int i = head.length; i < value.length; i++) {
            value[i] = (byte) (i * 31 + version);
        }
        return value;
    }

    /** Parses the version out of a stored value. */
    static long versionOf(byte[] value) {
        String s = new String(value, 0, Math.min(value.length, 200), StandardCharsets.ISO_8859_1);
        return Long.parseLong(s.substring(s.indexOf('@') + 1, s.indexOf(':')));
    }

    public static void main(String[] args) throws Exception {
        // Acknowledgements alone on stdout, logs to stderr (the child's log file): a log line written
        // between an ACK and its line break would garble the ACK, and the parent would miss it.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        System.setOut(System.err);
        exitWithTheParent();
        String mode = args[0];
        boolean promote = mode.equals("promote");
        Path root = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        int keysPerThread = Integer.parseInt(args[3]);
        LogStore.Builder builder = LogStore.builder(root).segmentSize(1 << 20);
        if (mode.startsWith("compact")) {
            builder.segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).compactionInterval(java.time.Duration.ofMillis(20))
                .compactionDeadRatio(0.3).compactionBytesPerSecond(0).segmentDeleteGrace(java.time.Duration.ZERO);
        }
        if (mode.equals("nfs")) {
            builder.nfs(LogStore.NfsMode.ON);
        }
        if (mode.equals("mapped")) {
            builder.writeMode(LogStore.WriteMode.MAPPED);
        }
        if (mode.equals("buffered") || mode.equals("compact-buffered")) {
            builder.durability(Durability.none()).backgroundSync(true);
        }
        if (mode.equals("group")) {
            builder.durability(Durability.group(java.time.Duration.ofMillis(1))).backgroundSync(true);
        }
        LogStore store = builder.open();
        out.println("READY");
        out.flush();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread writer = new Thread(() -> extendChains(store, out, thread, keysPerThread, promote), "crash-writer-" + t);
            writer.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Exits when the test JVM goes away without killing this one (a timed-out or killed test
     * fork): the parent never writes to this process's stdin, which then reaches its end.
     */
    private static void exitWithTheParent() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is ever sent
                }
            } catch (java.io.IOException e) {
                // the pipe broke: the parent is gone too
            }
            Runtime.getRuntime().halt(3);
        }, "crash-writer-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Whether {@code key} is kept as a meta document (else as state). */
    static boolean isMeta(String key, boolean promote) {
        return !promote && Integer.parseInt(key.substring(key.indexOf("/k") + 2)) % 2 == 0;
    }

    private static void extendChains(LogStore store, PrintStream out, int thread, int keys, boolean promote) {
        String[] etags = new String[keys];
        long[] versions = new long[keys];
        for (int k = 0; k < keys; k++) {
            String key = "t" + thread + "/k" + k;
            try {
                if (isMeta(key, promote)) {
                    var doc = store.readMeta(NS, key);
                    etags[k] = doc.etag();
                    versions[k] = versionOf(doc.toByteArray());
                } else {
                    try (var content = store.readState(NS, key)) {
                        etags[k] = content.etag();
                        versions[k] = versionOf(content.readAllBytes());
                    }
                }
            } catch (NotFoundException e) {
                versions[k] = 0;
            }
        }
        for (long i = 0; ; i++) {
            int k = (int) (i % keys);
            String key = "t" + thread + "/k" + k;
            long next = versions[k] + 1;
            Precondition p = etags[k] == null ? Precondition.mustNotExist() : Precondition.ifMatch(etags[k]);
            try {
                String etag;
                if (promote) {
                    store.stage(NS, key, "v" + next, ReplayableBody.ofBytes(value(key, next)), Precondition.any());
                    etag = store.promote(NS, key, "v" + next, p);
                } else if (isMeta(key, false)) {
                    etag = store.storeMeta(NS, key, value(key, next), p);
                } else {
                    etag = store.writeState(NS, key, ReplayableBody.ofBytes(value(key, next)), p);
                }
                etags[k] = etag;
                versions[k] = next;
                synchronized (out) {
                    out.println("ACK " + key + " " + next);
                    out.flush();
                }
            } catch (PreconditionFailedException e) {
                throw new IllegalStateException("CAS chain broken at " + key + " version " + next, e);
            }
        }
    }
}
