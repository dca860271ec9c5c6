package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.InvalidRequestException;
import dev.stowage.Stores;
import dev.stowage.conformance.LeakCheckingTest;
import dev.stowage.observe.ObservedBackend;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStoreProviderTest extends LeakCheckingTest {
    @TempDir
    Path dir;

    private String url(String query) {
        return "disk://" + dir.toAbsolutePath().toUri().getRawPath() + query;
    }

    @Test
    void diskUrlOpensALogStoreWithItsOptions() {
        try (Backend b = Stores.open(url("?durability=GROUP:5ms&segmentSize=65536&checkpointInterval=0s&blobSyncInterval=2097152&observe=true"))) {
            assertThat(b).isInstanceOf(ObservedBackend.class);
            LogStore store = (LogStore) ((ObservedBackend) b).delegate();
            assertThat(store.durability()).isEqualTo(Durability.group(Duration.ofMillis(5)));
            assertThat(store.capabilities().maxBodyBytes()).isEqualTo(dev.stowage.Capabilities.DEFAULT_MAX_BODY_BYTES);
        }
    }

    @Test
    void badDiskUrlsAreClearErrors() {
        assertThatThrownBy(() -> Stores.open(url("?durability=SOMETIMES"))).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("GROUP:<interval>");
        assertThatThrownBy(() -> Stores.open(url("?segmentSize=12"))).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("segmentSize");
        assertThatThrownBy(() -> Stores.open(url("?blobSyncInterval=4096"))).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("blobSyncInterval");
        assertThatThrownBy(() -> Stores.open("disk://")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("absolute directory");
        assertThatThrownBy(() -> Stores.open(url("?durabilty=SYNC"))).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("durability");
    }
}
