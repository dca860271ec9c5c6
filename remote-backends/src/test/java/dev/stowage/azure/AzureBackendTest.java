package dev.stowage.azure;

import static dev.stowage.remote.TestData.body;
import static dev.stowage.remote.TestData.readObject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.StorageException;
import dev.stowage.Stores;
import dev.stowage.TransientStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.remote.TestProxy;
import dev.stowage.retry.RetryPolicy;
import dev.stowage.retry.RetryingBackend;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Azure-specific behaviour on Azurite: the 409 that answers {@code If-None-Match: *}, staged-block
 * writes under conditions, a missing container, a dead server, store URLs, and faults injected by
 * {@link TestProxy} (writes succeed once whole or fail typed; nothing half-written is visible).
 */
class AzureBackendTest {
    private static final String NS = "ns";
    private static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = new TestProxy(Integer.parseInt(AzuriteServer.shared().endpoint().replaceAll(".*:(\\d+)/.*", "$1")));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
    }

    private static AzureBackend direct() {
        return AzureBackend.builder().container(AzuriteServer.shared().container(AzuriteServer.CONTAINER, AzureBackend.DEFAULT_TIMEOUT))
            .prefix("test-" + UUID.randomUUID()).blockSize(AzureBackend.MIN_BLOCK_SIZE).build();
    }

    private static AzureBackend proxied() {
        String endpoint = "http://127.0.0.1:" + proxy.port() + "/" + AzuriteServer.ACCOUNT;
        return AzureBackend.builder()
            .container(AzureClients.withSharedKey(endpoint, AzuriteServer.ACCOUNT, AzuriteServer.ACCOUNT_KEY, AzuriteServer.CONTAINER,
                Duration.ofSeconds(2)))
            .timeout(Duration.ofSeconds(2)).prefix("test-" + UUID.randomUUID()).blockSize(AzureBackend.MIN_BLOCK_SIZE).build();
    }

    @Test
    void createOnlyAndIfMatchAreDecidedByTheServerOnSingleAndBlockWrites() {
        try (AzureBackend azure = direct()) {
            String e1 = azure.storeMeta(NS, "m", body(10), Precondition.mustNotExist());
            assertThatThrownBy(() -> azure.storeMeta(NS, "m", body(10), Precondition.mustNotExist()))
                .as("409 BlobAlreadyExists is a failed precondition").isInstanceOf(PreconditionFailedException.class);
            String e2 = azure.storeMeta(NS, "m", body(10), Precondition.ifMatch(e1));
            assertThat(e2).isNotEqualTo(e1);

            byte[] large = body(3 * AzureBackend.MIN_BLOCK_SIZE + 77);
            String b1 = azure.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.mustNotExist());
            assertThatThrownBy(() -> azure.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.mustNotExist()))
                .isInstanceOf(PreconditionFailedException.class);
            String b2 = azure.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.ifMatch(b1));
            assertThatThrownBy(() -> azure.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.ifMatch(b1)))
                .isInstanceOf(PreconditionFailedException.class);
            try (Content c = azure.readState(NS, "big")) {
                assertThat(c.etag()).isEqualTo(b2);
                assertThat(c.readAllBytes()).isEqualTo(large);
            }
        }
    }

    @Test
    void missingContainerDeadServerAndStoreUrls() throws Exception {
        try (AzureBackend noContainer = AzureBackend.builder()
            .container(AzuriteServer.shared().container("no-such-container", Duration.ofSeconds(5))).build()) {
            assertThatThrownBy(() -> noContainer.readMeta(NS, "k")).isInstanceOf(StorageException.class)
                .isNotInstanceOf(TransientStorageException.class).hasMessageContaining("container");
        }
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (AzureBackend dead = AzureBackend.builder().container(AzureClients.withSharedKey("http://127.0.0.1:" + deadPort + "/x",
            AzuriteServer.ACCOUNT, AzuriteServer.ACCOUNT_KEY, "c", Duration.ofSeconds(2))).build()) {
            assertThatThrownBy(() -> dead.storeMeta(NS, "k", body(1), Precondition.any())).isInstanceOf(TransientStorageException.class);
        }
        // Store URLs: the account key comes from the environment (set by the build to Azurite's development key).
        String base = "azure://" + AzuriteServer.ACCOUNT + "/";
        String options = "?timeout=10s&endpoint=" + AzuriteServer.shared().endpoint();
        String container = "created-" + UUID.randomUUID().toString().substring(0, 8);
        assertThatThrownBy(() -> Stores.open(base + container + options)).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("createContainer=true");
        try (Backend b = Stores.open(base + container + "/some/prefix" + options + "&createContainer=true")) {
            assertThat(b).isInstanceOf(AzureBackend.class);
            b.storeMeta(NS, "k", body(3), Precondition.mustNotExist());
            assertThat(b.listNamespaces()).containsExactly(NS);
        }
        try (Backend b = Stores.open(base + container + "/some/prefix" + options)) {
            assertThat(b.readMeta(NS, "k").size()).isEqualTo(3);
        }
        assertThatThrownBy(() -> Stores.open("azure://account-only")).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void faultsLeaveEntriesWholeOrAbsentAndRetriesResendTheWholeBody() {
        Backend retrying;
        byte[] value = body(200_000);
        try (AzureBackend azure = proxied()) {
            retrying = new RetryingBackend(azure, RetryPolicy.builder().maxAttempts(6).initialBackoff(Duration.ofMillis(10))
                .maxBackoff(Duration.ofMillis(50)).build());
            proxy.failNext(3, 503);
            assertThatThrownBy(() -> azure.putObject(NS, "o", ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT,
                Precondition.mustNotExist())).isInstanceOf(TransientStorageException.class);
            proxy.failNext(3, 503);
            retrying.putObject(NS, "o", ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT, Precondition.mustNotExist());
            assertThat(readObject(azure, NS, "o")).isEqualTo(value);

            proxy.resetNextUploadAfter(50_000);
            assertThatThrownBy(() -> azure.writeState(NS, "s", ReplayableBody.ofBytes(value), Precondition.mustNotExist()))
                .isInstanceOf(TransientStorageException.class);
            assertThatThrownBy(() -> azure.readState(NS, "s")).isInstanceOf(NotFoundException.class);
            proxy.resetNextUploadAfter(50_000);
            retrying.writeState(NS, "s", ReplayableBody.ofBytes(value), Precondition.mustNotExist());
            try (Content c = azure.readState(NS, "s")) {
                assertThat(c.readAllBytes()).isEqualTo(value);
            }

            proxy.delayNextResponse(4_000);
            assertThatThrownBy(() -> azure.putObject(NS, "slow", ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT,
                Precondition.any())).isInstanceOf(TransientStorageException.class);
            try {
                assertThat(readObject(azure, NS, "slow")).isEqualTo(value);
            } catch (NotFoundException notApplied) {
                // or it did not land at all
            }
        }
    }
}
