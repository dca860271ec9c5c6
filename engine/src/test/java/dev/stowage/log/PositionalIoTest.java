package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.InvalidRequestException;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Stores;
import dev.stowage.conformance.BackendConformanceTest;
import dev.stowage.conformance.LeakCheckingTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The write modes beside the default of each test class: the NFS mode (positional writes,
 * fdatasync, close per batch) forced on the local disk, and mapped writes under the default
 * {@code SYNC} durability (which otherwise writes positionally). The conformance suite, the
 * writer's batching and failure tests and the recovery tests (which reopen stores after byte
 * surgery) run against them unchanged; the mount table decides the NFS mode when it is
 * {@code AUTO}, and the durability decides the write mode.
 */
class PositionalIoTest {
    @TempDir
    Path dir;

    @Nested
    class Conformance extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return LogStore.builder(dir.resolve("conformance")).nfs(LogStore.NfsMode.ON).open();
        }
    }

    @Nested
    class Writer extends LogStoreWriterTest {
        @Override
        LogStore.Builder builder() {
            return super.builder().nfs(LogStore.NfsMode.ON);
        }
    }

    @Nested
    class Recovery extends LogStoreRecoveryTest {
        @Override
        LogStore.Builder builder() {
            return super.builder().nfs(LogStore.NfsMode.ON);
        }
    }

    @Nested
    class MappedWriter extends LogStoreWriterTest {
        @Override
        LogStore.Builder builder() {
            return super.builder().writeMode(LogStore.WriteMode.MAPPED);
        }
    }

    @Nested
    class MappedRecovery extends LogStoreRecoveryTest {
        @Override
        LogStore.Builder builder() {
            return super.builder().writeMode(LogStore.WriteMode.MAPPED);
        }
    }

    @Nested
    class Modes extends LeakCheckingTest {
        @Test
        void autoWritesPositionallyWhenEveryBatchIsSyncedAndMappedOtherwise() {
            try (LogStore sync = LogStore.builder(dir.resolve("sync")).open();
                 LogStore group = LogStore.builder(dir.resolve("group")).durability(Durability.group(java.time.Duration.ofMillis(5))).open();
                 LogStore none = LogStore.builder(dir.resolve("none")).durability(Durability.none()).open();
                 LogStore forced = LogStore.builder(dir.resolve("forced")).durability(Durability.none())
                     .writeMode(LogStore.WriteMode.POSITIONAL).open()) {
                assertThat(sync.writeMode()).isEqualTo(LogStore.WriteMode.POSITIONAL);
                assertThat(group.writeMode()).isEqualTo(LogStore.WriteMode.MAPPED);
                assertThat(none.writeMode()).isEqualTo(LogStore.WriteMode.MAPPED);
                assertThat(forced.writeMode()).isEqualTo(LogStore.WriteMode.POSITIONAL);
                assertThat(sync.nfsMode()).isFalse();
            }
            assertThatThrownBy(() -> LogStore.builder(dir.resolve("nfs-mapped")).nfs(LogStore.NfsMode.ON)
                .writeMode(LogStore.WriteMode.MAPPED).open()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NFS mode");
            String url = "disk://" + dir.resolve("url").toUri().getRawPath();
            try (Backend mapped = Stores.open(url + "?writeMode=mapped")) {
                assertThat(((LogStore) mapped).writeMode()).isEqualTo(LogStore.WriteMode.MAPPED);
            }
            assertThatThrownBy(() -> Stores.open(url + "?writeMode=mmap")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("auto, mapped or positional");
        }

        @Test
        void autoFollowsTheMountTableAndTheUrlOptionForcesIt() throws Exception {
            try (LogStore local = LogStore.builder(dir.resolve("auto")).open()) {
                assertThat(local.nfsMode()).as("a local disk (%s)", MountTable.filesystemType(dir)).isFalse();
            }
            String url = "disk://" + dir.resolve("forced").toUri().getRawPath();
            try (Backend forced = Stores.open(url + "?nfs=on")) {
                assertThat(((LogStore) forced).nfsMode()).isTrue();
                String etag = forced.writeState("n", "k", ReplayableBody.ofBytes(new byte[5000]), Precondition.mustNotExist());
                try (dev.stowage.Content c = forced.readState("n", "k")) {
                    assertThat(c.etag()).isEqualTo(etag);
                    assertThat(c.readAllBytes()).hasSize(5000);
                }
            }
            try (LogStore reopened = LogStore.builder(dir.resolve("forced")).nfs(LogStore.NfsMode.OFF).open()) {
                try (dev.stowage.Content c = reopened.readState("n", "k")) {
                    assertThat(c.readAllBytes()).hasSize(5000);
                }
            }
            assertThatThrownBy(() -> Stores.open(url + "?nfs=maybe")).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("auto, on or off");
        }
    }

    /**
     * A sealed segment is synced without a read-write mapping (an {@code msync} of one costs a TLB
     * flush per dirty page, see {@link Segment}), so once sealed no segment is mapped for writing:
     * only the active one and those prepared after it are. Read from the process's own mappings.
     */
    @Nested
    class SealedSegments extends LeakCheckingTest {
        @ParameterizedTest
        @ValueSource(booleans = {false, true})
        void areMappedReadOnlyOnceSealed(boolean backgroundSync) throws IOException {
            Path root = dir.resolve("sealed-" + backgroundSync);
            try (LogStore store = LogStore.builder(root).durability(Durability.none()).backgroundSync(backgroundSync)
                .segmentSize(LogStore.Builder.MIN_SEGMENT_SIZE).open()) {
                List<Path> written = List.of();
                for (int i = 0; written.size() < 4; i++) {
                    store.storeMeta("n", "k" + i, new byte[1000], Precondition.any());
                    written = LogFiles.segmentsWithRecords(root);
                }
                store.sync(); // waits for the background seals too
                Map<String, Set<String>> modes = segmentMappings(root);
                for (Path sealed : written.subList(0, written.size() - 1)) {
                    assertThat(modes.get(sealed.getFileName().toString())).as("sealed %s", sealed.getFileName()).containsExactly("r--s");
                }
                assertThat(modes.get(written.get(written.size() - 1).getFileName().toString())).as("the active segment")
                    .containsExactlyInAnyOrder("r--s", "rw-s");
            }
            assertThat(segmentMappings(root)).as("after close").isEmpty();
        }

        /** Segment file name to the permissions of each mapping of it in this process ({@code /proc/self/maps}). */
        private Map<String, Set<String>> segmentMappings(Path root) throws IOException {
            String directory = root.resolve(StoreRoot.SEGMENTS_DIR).toRealPath() + "/";
            Map<String, Set<String>> modes = new HashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int at = line.indexOf(directory);
                if (at >= 0) {
                    modes.computeIfAbsent(line.substring(at + directory.length()), f -> new HashSet<>()).add(line.split(" ")[1]);
                }
            }
            return modes;
        }
    }

    @Test
    void mountTableFindsTheLongestMountPointHoldingAPath() {
        List<String> mountinfo = List.of(
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            "40 22 0:35 / /mnt/nfs rw,relatime shared:20 - nfs4 server:/export rw,vers=4.2",
            "41 40 0:36 / /mnt/nfs/inner rw - tmpfs tmpfs rw",
            "42 22 0:37 / /mnt/with\\040space rw - nfs server:/x rw,vers=3",
            "43 22 0:38 / /mnt/ssh rw,nosuid master:7 - fuse.sshfs root@127.0.0.1:/e rw");
        assertThat(MountTable.filesystemType(mountinfo, "/mnt/nfs/stowage")).isEqualTo("nfs4");
        assertThat(MountTable.filesystemType(mountinfo, "/mnt/nfs")).isEqualTo("nfs4");
        assertThat(MountTable.filesystemType(mountinfo, "/mnt/nfsother/x")).as("not a path prefix").isEqualTo("ext4");
        assertThat(MountTable.filesystemType(mountinfo, "/mnt/nfs/inner/x")).isEqualTo("tmpfs");
        assertThat(MountTable.filesystemType(mountinfo, "/mnt/with space/store")).isEqualTo("nfs");
        assertThat(MountTable.filesystemType(mountinfo, "/mnt/ssh/store")).isEqualTo("fuse.sshfs");
        assertThat(MountTable.filesystemType(mountinfo, "/var/lib")).isEqualTo("ext4");
        assertThat(MountTable.filesystemType(List.of("garbage", ""), "/x")).isNull();
    }
}
