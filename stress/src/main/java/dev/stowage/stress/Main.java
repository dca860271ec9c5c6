package dev.stowage.stress;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.ListRequest;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.Stores;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The stress harness, the project's main executable ({@code java -jar stowage-stress.jar}). With no
 * arguments it runs {@code run} with its defaults: a 30 s mixed load on a durable {@code disk://}
 * store in a temporary directory. Subcommands: {@code run}, {@code crash}, {@code multi},
 * {@code verify}, {@code inspect}, {@code demo}; {@code --help} on each lists its options.
 */
@Command(name = "stowage-stress", mixinStandardHelpOptions = true,
    description = "Stowage stress harness and store tools.",
    subcommands = {RunCommand.class, CrashCommand.class, MultiCommand.class, Main.Verify.class, Main.Inspect.class, Main.Demo.class})
public final class Main implements Runnable {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line; no arguments means {@code run}. */
    static int execute(String... args) {
        return new CommandLine(new Main()).execute(args.length == 0 ? new String[] {"run"} : args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** {@code verify URI}: offline check of a logstore; exit 0 clean, 1 torn tail (cut at next open), 2 corruption. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check a disk store offline: exit 0 clean, 1 torn tail that the next open cuts, 2 corruption.")
    static final class Verify implements Callable<Integer> {
        @Parameters(index = "0", description = "disk:///path or a directory")
        String store;

        @Override
        public Integer call() {
            return verify(store, System.out, false);
        }
    }

    /** {@code inspect URI}: what a logstore holds (segments, records, live/dead bytes, checkpoint, namespaces and key counts). */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show what a disk store holds: segments, records, live and dead bytes, checkpoint LSN, namespaces and keys.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(index = "0", description = "disk:///path or a directory")
        String store;

        @Override
        public Integer call() {
            return verify(store, System.out, true);
        }
    }

    /** {@code demo [URI...]}: a short CAS / read / listing walk-through on each store. */
    @Command(name = "demo", mixinStandardHelpOptions = true, description = "A short CAS, read and listing walk-through.")
    static final class Demo implements Callable<Integer> {
        @Parameters(arity = "0..*", description = "Store URLs (default: mem:// and a durable disk:// store in a temporary directory)")
        List<String> stores;

        @Override
        public Integer call() {
            boolean ok = true;
            if (stores == null || stores.isEmpty()) {
                ok &= demo("mem://?observe=true&retry=true", System.out);
                try (StoreSpec disk = StoreSpec.of(null, "SYNC")) {
                    ok &= demo(disk.url, System.out);
                }
            } else {
                for (String url : stores) {
                    ok &= demo(url, System.out);
                }
            }
            return ok ? 0 : 1;
        }
    }

    /**
     * Checks a logstore offline and prints what it holds.
     *
     * @param inspect whether the status only reports failure to read (inspect) rather than the store's health (verify)
     * @return verify: 0 clean, 1 torn tail, 2 corruption or a bad argument; inspect: 0 read, 2 not readable
     */
    static int verify(String store, PrintStream out, boolean inspect) {
        Path target = StoreSpec.diskPath(store);
        if (target == null) {
            out.println("verify and inspect read disk stores: disk:///path or a directory, not " + store);
            return 2;
        }
        try {
            dev.stowage.log.VerifyReport report = dev.stowage.log.LogVerifier.verify(target);
            out.print(dev.stowage.log.LogVerifier.format(report));
            if (inspect) {
                return 0;
            }
            return report.corruption() != null ? 2 : report.tornTail() != null ? 1 : 0;
        } catch (RuntimeException e) {
            out.println((inspect ? "inspect" : "verify") + " failed: " + e.getMessage());
            return 2;
        }
    }

    /** Runs the demonstration on one store; returns whether every step matched the contract. */
    static boolean demo(String url, PrintStream out) {
        out.println("== " + url);
        try (Backend store = Stores.open(url)) {
            out.println("capabilities: " + store.capabilities());
            String ns = "demo";
            String v1 = store.storeMeta(ns, "lock/leader", utf8("node-a"), Precondition.mustNotExist());
            out.println("create lock/leader = node-a            -> etag " + v1);
            try {
                store.storeMeta(ns, "lock/leader", utf8("node-b"), Precondition.mustNotExist());
                out.println("second create unexpectedly succeeded");
                return false;
            } catch (PreconditionFailedException e) {
                out.println("second create by node-b                -> refused, current etag " + e.currentEtag());
            }
            String v2 = store.storeMeta(ns, "lock/leader", utf8("node-a renewed"), Precondition.ifMatch(v1));
            out.println("renew with ifMatch(" + v1 + ")  -> etag " + v2);
            try {
                store.storeMeta(ns, "lock/leader", utf8("stale"), Precondition.ifMatch(v1));
                out.println("stale CAS unexpectedly succeeded");
                return false;
            } catch (PreconditionFailedException e) {
                out.println("stale CAS with the old etag            -> refused");
            }
            out.println("read lock/leader                       -> "
                + new String(store.readMeta(ns, "lock/leader").toByteArray(), StandardCharsets.UTF_8));

            String s = store.writeState(ns, "orders/42", ReplayableBody.ofBytes(utf8("{\"qty\":100}")), Precondition.any());
            try (Content c = store.readState(ns, "orders/42")) {
                out.println("state orders/42 (etag " + s + ")       -> " + new String(c.readAllBytes(), StandardCharsets.UTF_8));
            }

            for (int i = 0; i < 5; i++) {
                store.putObject(ns, "fills/2026-11-25/" + i, ReplayableBody.ofBytes(utf8("fill " + i)),
                    ObjectAttributes.contentType("text/plain"), Precondition.mustNotExist());
            }
            ListRequest request = ListRequest.prefix("fills/").withLimit(2);
            int pages = 0;
            int items = 0;
            while (true) {
                Page<EntryInfo> page = store.listObjects(ns, request);
                pages++;
                items += page.items().size();
                out.println("list fills/ page " + pages + "                      -> "
                    + page.items().stream().map(EntryInfo::key).toList());
                if (!page.truncated()) {
                    break;
                }
                request = request.withStartAfter(page.nextStartAfter());
            }
            out.println("listed " + items + " objects in " + pages + " pages");
            return items == 5;
        } catch (RuntimeException e) {
            out.println("failed: " + e);
            return false;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
