package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower in this JVM tails a writer in another process ({@link CrashWriter}): every write the
 * child acknowledged becomes visible here with its exact bytes, also after the writer is killed
 * with SIGKILL and a new writer (a higher epoch, after recovery) takes over the same directory.
 */
class LogFollowerProcessTest extends LeakCheckingTest {
    private static final int WRITERS = 3;
    private static final long ACKS_PER_WRITER = 300;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void followsAWriterProcessAcrossAKillAndATakeover() throws Exception {
        long checked = 0;
        LogFollower follower = null;
        try {
            for (int writer = 0; writer < WRITERS; writer++) {
                Process child = LogStoreCrashTest.startChild(dir, "chains");
                try {
                    BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                    LogStoreCrashTest.awaitReady(lines, dir, 0);
                    if (follower == null) {
                        follower = LogFollower.builder(dir).open();
                    }
                    long acks = 0;
                    for (String line; acks < ACKS_PER_WRITER && (line = lines.readLine()) != null; ) {
                        String[] parts = line.split(" ");
                        if (parts.length == 3 && parts[0].equals("ACK")) {
                            assertVisible(follower, parts[1], Long.parseLong(parts[2]));
                            acks++;
                        }
                    }
                    assertThat(acks).as("acknowledgements of writer %d: %s", writer, LogStoreCrashTest.stderr(dir))
                        .isEqualTo(ACKS_PER_WRITER);
                    checked += acks;
                } finally {
                    child.destroyForcibly();
                    child.waitFor();
                }
                assertThat(follower.failure()).as("the follower outlives its writer").isNull();
            }
        } finally {
            if (follower != null) {
                follower.close();
            }
        }
        assertThat(checked).isEqualTo(WRITERS * ACKS_PER_WRITER);
    }

    /** Waits (up to 30 s) until the follower holds {@code version} of {@code key} or a later one, byte for byte. */
    private static void assertVisible(LogFollower follower, String key, long version) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            byte[] stored = read(follower, key);
            if (stored != null && CrashWriter.versionOf(stored) >= version) {
                assertThat(stored).as(key).isEqualTo(CrashWriter.value(key, CrashWriter.versionOf(stored)));
                return;
            }
            assertThat(System.nanoTime()).as("%s version %d never became visible", key, version).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static byte[] read(LogFollower follower, String key) throws IOException {
        try {
            if (CrashWriter.isMeta(key, false)) {
                return follower.readMeta(CrashWriter.NS, key).toByteArray();
            }
            try (Content c = follower.readState(CrashWriter.NS, key)) {
                return c.readAllBytes();
            }
        } catch (NotFoundException e) {
            return null;
        }
    }
}
