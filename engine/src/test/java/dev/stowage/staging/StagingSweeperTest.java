package dev.stowage.staging;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.StagingAssertions;
import dev.stowage.memory.MemoryBackend;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class StagingSweeperTest {
    private static final String NS = "sweep";

    @Test
    void discardsOnlyEntriesOlderThanTheAge() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T10:00:00Z"));
        InstantSource clock = now::get;
        try (MemoryBackend backend = new MemoryBackend(clock)) {
            StagingAssertions.stageNestedEntries(backend, NS);
            now.set(now.get().plus(Duration.ofHours(2)));
            backend.stage(NS, "young", "t1", ReplayableBody.ofBytes("y".getBytes(UTF_8)), Precondition.mustNotExist());

            StagingSweeper.Report report = new StagingSweeper(backend, clock, 2).sweep(NS, Duration.ofHours(1));

            int old = StagingAssertions.NESTED_KEYS.size() * StagingAssertions.TXNS.size();
            assertThat(report.scanned()).isEqualTo(old + 1);
            assertThat(report.discarded()).isEqualTo(old);
            assertThat(StagingAssertions.listAll(backend, NS, "", 100)).containsExactly("young|t1");
        }
    }
}
