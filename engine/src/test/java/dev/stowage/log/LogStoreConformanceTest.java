package dev.stowage.log;

import dev.stowage.Backend;
import dev.stowage.conformance.BackendConformanceTest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite on the logstore in every durability mode, and reopened between steps. */
class LogStoreConformanceTest {
    @TempDir
    Path dir;

    @Nested
    class SyncDurability extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return LogStore.builder(dir.resolve("sync")).open();
        }
    }

    @Nested
    class GroupDurability extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return LogStore.builder(dir.resolve("group")).durability(Durability.group(Duration.ofMillis(2))).open();
        }
    }

    /** Closed and reopened between every step: everything must survive recovery. */
    @Nested
    class ReopenedBetweenSteps extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return new ReopeningLogStore(LogStore.builder(dir.resolve("reopen")));
        }

        @Override
        protected int modelCheckSteps() {
            return 400;
        }
    }

    @Nested
    class NoDurability extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return LogStore.builder(dir.resolve("none")).durability(Durability.none()).open();
        }
    }

    /**
     * Every write handed to the writer thread, none appended by its caller
     * ({@link LogStore.Builder#callerAppends}), and sealed segments synced by the roll, not in the
     * background ({@link LogStore.Builder#backgroundSync}); on 1 MiB segments, so that writes cross
     * rolls often.
     */
    @Nested
    class NoDurabilityThroughTheRing extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return LogStore.builder(dir.resolve("ring")).durability(Durability.none()).callerAppends(false).backgroundSync(false)
                .segmentSize(1 << 20).open();
        }
    }
}
