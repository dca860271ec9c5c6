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
import java.util.List;

/**
 * The main executable. Until the stress harness lands it runs a short demonstration on each store
 * URL given (default: {@code mem://} and a durable {@code disk://} store in a temporary directory,
 * deleted afterwards): CAS writes, a lost race, reads and a paginated listing,
 * printing each step. Exit status 0 when every step behaved as the contract says, 1 otherwise.
 * {@code verify <store>} checks a logstore offline (see {@link #verify}).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws java.io.IOException {
        if (args.length > 0 && args[0].equals("verify")) {
            System.exit(verify(args, System.out));
        }
        java.nio.file.Path scratch = null;
        List<String> urls;
        if (args.length == 0) {
            scratch = java.nio.file.Files.createTempDirectory("stowage-demo-");
            urls = List.of("mem://?observe=true&retry=true", diskUrl(scratch) + "?durability=SYNC");
        } else {
            urls = List.of(args);
        }
        boolean ok = true;
        for (String url : urls) {
            ok &= demo(url, System.out);
        }
        if (scratch != null) {
            deleteRecursively(scratch);
        }
        System.exit(ok ? 0 : 1);
    }

    /**
     * {@code verify disk:///path|/path}: checks a logstore offline and prints what it holds.
     *
     * @return 0 if clean, 1 if a torn tail would be cut at open, 2 on corruption or a bad argument
     */
    static int verify(String[] args, PrintStream out) {
        if (args.length != 2) {
            out.println("usage: verify disk:///path/to/store");
            return 2;
        }
        String target = args[1].startsWith("disk:") ? java.net.URI.create(args[1]).getPath() : args[1];
        try {
            dev.stowage.log.VerifyReport report = dev.stowage.log.LogVerifier.verify(java.nio.file.Path.of(target));
            out.print(dev.stowage.log.LogVerifier.format(report));
            return report.corruption() != null ? 2 : report.tornTail() != null ? 1 : 0;
        } catch (RuntimeException e) {
            out.println("verify failed: " + e.getMessage());
            return 2;
        }
    }

    /** The {@code disk://} URL of a directory. */
    static String diskUrl(java.nio.file.Path directory) {
        return "disk://" + directory.toAbsolutePath().toUri().getRawPath();
    }

    private static void deleteRecursively(java.nio.file.Path root) throws java.io.IOException {
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(root)) {
            for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
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
