package dev.stowage.stress;

import dev.stowage.Backend;
import dev.stowage.Capability;
import dev.stowage.Stores;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code multi}: starts several processes that open the same store at once and hold it. A
 * single-writer store (the disk logstore) must admit exactly one and refuse the others with a
 * typed error naming the holder; a store for concurrent writers (S3, Azure) admits all. Exit
 * status 1 otherwise.
 */
@Command(name = "multi", mixinStandardHelpOptions = true,
    description = "Open one store from several processes at once: a single-writer store admits exactly one.")
final class MultiCommand implements Callable<Integer> {
    @Option(names = "--store", description = "Store URL (default: a disk:// store in a temporary directory, deleted afterwards).")
    String store;
    @Option(names = "--processes", defaultValue = "4", description = "Processes (default ${DEFAULT-VALUE}).")
    int processes;

    PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        try (StoreSpec spec = StoreSpec.of(store, "SYNC")) {
            boolean singleWriter;
            try (Backend probe = Stores.open(spec.url)) {
                singleWriter = probe.capabilities().has(Capability.SINGLE_WRITER);
            }
            List<Process> children = new ArrayList<>();
            for (int i = 0; i < processes; i++) {
                children.add(ChildProcess.start("holder", spec.url));
            }
            // Every process answers while the admitted ones still hold the store: they let go only
            // when their input is closed, after the last answer.
            List<String> answers = new ArrayList<>();
            for (Process child : children) {
                BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                answers.add(r.readLine());
            }
            for (Process child : children) {
                child.getOutputStream().close();
                child.waitFor(60, TimeUnit.SECONDS);
                child.getInputStream().close();
            }
            int opened = 0;
            int refused = 0;
            for (int i = 0; i < children.size(); i++) {
                String line = answers.get(i);
                out.println("process " + children.get(i).pid() + ": " + line);
                if ("OPENED".equals(line)) {
                    opened++;
                } else if (line != null && line.startsWith("REFUSED StoreLockedException")) {
                    refused++;
                }
            }
            out.printf("%d processes: %d opened the store, %d refused with StoreLockedException (%s store)%n", processes, opened,
                refused, singleWriter ? "single-writer" : "concurrent-writer");
            boolean ok = singleWriter ? opened == 1 && refused == processes - 1 : opened == processes;
            return ok ? 0 : 1;
        }
    }
}
