package dev.stowage.stress;

import dev.stowage.Backend;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Stores;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes {@code crash} and {@code multi} start: a JVM on this class path, with the engine's
 * JVM flag, running one of two roles.
 * <ul>
 *   <li>{@code crash-writer URL FIRST_SEQ}: writes values of {@value #CRASH_KEYS} keys in a loop and
 *       prints {@code ACK key seq} after each acknowledged write, until it is killed;</li>
 *   <li>{@code holder URL}: opens the store, prints {@code OPENED} (or {@code REFUSED <error>})
 *       and holds it open until its standard input ends.</li>
 * </ul>
 */
final class ChildProcess {
    static final int CRASH_KEYS = 64;
    static final int CRASH_VALUE_SIZE = 512;
    static final String NS = "crash";

    private ChildProcess() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, java.nio.charset.StandardCharsets.UTF_8);
        switch (args[0]) {
            case "crash-writer":
                crashWriter(args[1], Long.parseLong(args[2]), out);
                break;
            case "holder":
                holder(args[1], out);
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    static String crashKey(int i) {
        return "k" + i;
    }

    private static void crashWriter(String url, long firstSeq, PrintStream out) {
        try (Backend backend = Stores.open(url)) {
            out.println("READY");
            for (long seq = firstSeq; ; seq++) {
                String key = crashKey((int) (seq % CRASH_KEYS));
                backend.writeState(NS, key, ReplayableBody.ofBytes(Values.of(key, seq, CRASH_VALUE_SIZE)), Precondition.any());
                // Line and line break in one write: the parent counts only lines ended by a break.
                out.print("ACK " + key + " " + seq + "\n");
            }
        }
    }

    private static void holder(String url, PrintStream out) throws IOException {
        Backend backend;
        try {
            backend = Stores.open(url);
        } catch (RuntimeException e) {
            out.println("REFUSED " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return;
        }
        try (backend) {
            out.println("OPENED");
            backend.storeMeta("multi", "pid-" + ProcessHandle.current().pid(), new byte[] {1}, Precondition.any());
            while (System.in.read() != -1) {
                // hold the store until the parent closes our input
            }
        }
    }

    /** Starts a child JVM in {@code role}; its standard output is piped to the caller, errors inherited. */
    static Process start(String... roleAndArgs) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--add-exports");
        command.add("java.base/jdk.internal.misc=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(ChildProcess.class.getName());
        command.addAll(List.of(roleAndArgs));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
