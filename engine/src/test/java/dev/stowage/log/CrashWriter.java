package dev.stowage.log;

import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child process of {@link LogStoreCrashTest}: extends per-key CAS chains in a logstore as fast as
 * it can and prints {@code ACK <key> <version>} after each acknowledged write, until it is killed.
 * Version {@code v} of a key has the bytes {@link #value(String, long)}.
 *
 * <p>Arguments: store root, number of writer threads, keys per thread.
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
        Path root = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int keysPerThread = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        LogStore store = LogStore.builder(root).segmentSize(1 << 20).open();
        out.println("READY");
        out.flush();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread writer = new Thread(() -> extendChains(store, out, thread, keysPerThread), "crash-writer-" + t);
            writer.start();
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void extendChains(LogStore store, PrintStream out, int thread, int keys) {
        String[] etags = new String[keys];
        long[] versions = new long[keys];
        for (int k = 0; k < keys; k++) {
            String key = "t" + thread + "/k" + k;
            try {
                var doc = store.readMeta(NS, key);
                etags[k] = doc.etag();
                versions[k] = versionOf(doc.toByteArray());
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
                String etag = k % 2 == 0
                    ? store.storeMeta(NS, key, value(key, next), p)
                    : store.writeState(NS, key, ReplayableBody.ofBytes(value(key, next)), p);
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
