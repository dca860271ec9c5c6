package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Backend;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.conformance.BackendConformanceTest;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The logstore on a network filesystem: the directory named by {@code STOWAGE_NETFS_DIR}, which
 * {@code .ci/run} mounts with sshfs over a loopback sshd ({@code stress/scripts/sshfs-loopback.sh};
 * this kernel has no NFS client). Runs the conformance suite in the NFS mode (positional writes,
 * fsync, close per batch) and a follower tailing a writer there. Skipped, saying so, when the
 * variable is not set.
 */
@EnabledIfEnvironmentVariable(named = NetworkFilesystemTest.VARIABLE, matches = ".+",
    disabledReason = "no network filesystem mounted: set STOWAGE_NETFS_DIR (.ci/run mounts sshfs over a loopback sshd)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkFilesystemTest {
    static final String VARIABLE = "STOWAGE_NETFS_DIR";
    /** Small segments: each is zero-filled over the network when prepared. */
    private static final int SEGMENT_SIZE = 1 << 20;

    private final List<Path> created = new ArrayList<>();

    private synchronized Path freshDirectory(String prefix) {
        try {
            Path dir = Files.createTempDirectory(Path.of(System.getenv(VARIABLE)), prefix);
            created.add(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    void deleteDirectories() throws IOException {
        for (Path dir : created) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Nested
    class NfsModeConformance extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            // Group durability: every batch is still written positionally and closed, but the fsyncs
            // (each a round trip through SFTP to a disk) come from the ticker, so the suite's
            // thousands of writes do not each wait for one. The follower test below syncs per batch.
            return LogStore.builder(freshDirectory("conformance-")).segmentSize(SEGMENT_SIZE).nfs(LogStore.NfsMode.ON)
                .durability(Durability.group(Duration.ofMillis(5))).open();
        }
    }

    @Nested
    class Following extends LeakCheckingTest {
        @Test
        void aFollowerTailsAWriterThroughTheMountAndTheStoreVerifiesClean() throws Exception {
            Path root = freshDirectory("follow-");
            try (LogStore store = LogStore.builder(root).segmentSize(SEGMENT_SIZE).nfs(LogStore.NfsMode.ON).open();
                 LogFollower follower = LogFollower.builder(root).open()) {
                String last = null;
                for (int i = 0; i < 400; i++) {
                    last = store.writeState("n", "k" + (i % 40), ReplayableBody.ofBytes(new byte[4000 + i]), Precondition.any());
                }
                assertThat(follower.awaitApplied(last, Duration.ofSeconds(60))).isTrue();
                try (dev.stowage.Content c = follower.readState("n", "k39")) {
                    assertThat(c.etag()).isEqualTo(last);
                    assertThat(c.readAllBytes()).hasSize(4399);
                }
            }
            assertThat(LogVerifier.verify(root).clean()).isTrue();
        }
    }
}
