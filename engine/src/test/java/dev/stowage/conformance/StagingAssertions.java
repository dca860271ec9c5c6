package dev.stowage.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.StagedEntry;
import dev.stowage.StagingBackend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The regression check for DESIGN.md §10 defect 3 (a staged-state listing that looked only under a
 * top-level {@code .staging/} prefix and missed {@code <key>/.staging/<txn>} entries), shared by the
 * conformance suite and the test that proves it catches the defect.
 */
public final class StagingAssertions {
    /** Nested keys staged by {@link #stageNestedEntries}. */
    public static final List<String> NESTED_KEYS = List.of("a", "a/b", "a/b/c", "deep/er/and/deeper/still");
    /** Transaction ids staged for every key. */
    public static final List<String> TXNS = List.of("t1", "t2", "x1");

    private StagingAssertions() {
    }

    /** Stages one payload per (key, txn) of {@link #NESTED_KEYS} x {@link #TXNS}. */
    public static void stageNestedEntries(StagingBackend staging, String ns) {
        for (String key : NESTED_KEYS) {
            for (String txn : TXNS) {
                staging.stage(ns, key, txn, ReplayableBody.ofBytes((key + "@" + txn).getBytes(StandardCharsets.UTF_8)),
                    Precondition.mustNotExist());
            }
        }
    }

    /** Lists every staged entry with the given page size. */
    public static List<String> listAll(StagingBackend staging, String ns, String txnPrefix, int pageSize) {
        List<String> all = new ArrayList<>();
        String cursor = null;
        do {
            Page<StagedEntry> page = staging.listStaged(ns, txnPrefix, cursor, pageSize);
            assertThat(page.items().size()).isLessThanOrEqualTo(pageSize);
            for (StagedEntry e : page.items()) {
                all.add(e.key() + "|" + e.txn());
            }
            cursor = page.nextStartAfter();
        } while (cursor != null);
        return all;
    }

    /** Every nested entry staged by {@link #stageNestedEntries} is listed, once, whatever the page size. */
    public static void assertListsEveryNestedStagedEntry(StagingBackend staging, String ns) {
        List<String> expected = new ArrayList<>();
        List<String> expectedT = new ArrayList<>();
        for (String key : NESTED_KEYS) {
            for (String txn : TXNS) {
                expected.add(key + "|" + txn);
                if (txn.startsWith("t")) {
                    expectedT.add(key + "|" + txn);
                }
            }
        }
        for (int pageSize : new int[] {1, 2, 5, 1000}) {
            assertThat(listAll(staging, ns, "", pageSize)).as("page size %d", pageSize)
                .containsExactlyInAnyOrderElementsOf(expected).doesNotHaveDuplicates();
            assertThat(listAll(staging, ns, "t", pageSize)).as("txn prefix t, page size %d", pageSize)
                .containsExactlyInAnyOrderElementsOf(expectedT).doesNotHaveDuplicates();
        }
        assertThat(listAll(staging, ns, "t2", 1)).containsExactlyInAnyOrder(
            NESTED_KEYS.stream().map(k -> k + "|t2").toArray(String[]::new));
        assertThat(listAll(staging, ns, "none", 1)).isEmpty();
    }
}
