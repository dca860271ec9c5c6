package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stowage.Precondition;
import dev.stowage.StorageException;
import dev.stowage.conformance.LeakCheckingTest;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A full disk, for real: the store lives on a 3 MiB tmpfs. Needs permission to mount (root, as in
 * CI); skipped otherwise. Because segments are pre-allocated off the writer thread, a full disk
 * shows up as a failed segment preparation: the write that needs the new segment fails with a
 * typed error naming the cause, nothing is lost, and the store stays readable and reopenable.
 */
class LogStoreDiskFullTest extends LeakCheckingTest {
    private static final String NS = "full";

    @TempDir
    Path mountPoint;
    private boolean mounted;

    @BeforeEach
    void mountSmallTmpfs() throws Exception {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint.toString())
            .redirectErrorStream(true).start();
        mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here (needs root): " + new String(p.getInputStream().readAllBytes()));
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", mountPoint.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Under NONE durability segments are prepared two ahead ({@link SegmentLog}), so the
     * preparation that fails may follow one that did not: that one is dropped with it.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void fullDiskFailsTheWriteWithATypedErrorAndLosesNothing(boolean buffered) {
        Durability durability = buffered ? Durability.none() : Durability.sync();
        Path root = mountPoint.resolve("store");
        int written = 0;
        StorageException failure = null;
        try (LogStore store = LogStore.builder(root).segmentSize(1 << 20).durability(durability).open()) {
            for (int i = 0; i < 10_000 && failure == null; i++) {
                try {
                    store.storeMeta(NS, "k" + i, new byte[8000], Precondition.mustNotExist());
                    written++;
                } catch (StorageException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("a full disk must surface").isNotNull();
            assertThat(failure.getMessage()).contains("No space left");
            assertThat(written).isGreaterThan(100);
            for (int i = 0; i < written; i++) {
                assertThat(store.readMeta(NS, "k" + i).size()).isEqualTo(8000);
            }
        }
        try (LogStore store = LogStore.builder(root).segmentSize(1 << 20).durability(durability).open()) {
            for (int i = 0; i < written; i++) {
                assertThat(store.readMeta(NS, "k" + i).size()).isEqualTo(8000);
            }
            int failed = written;
            assertThatThrownBy(() -> store.readMeta(NS, "k" + failed)).isInstanceOf(dev.stowage.NotFoundException.class);
        }
    }
}
