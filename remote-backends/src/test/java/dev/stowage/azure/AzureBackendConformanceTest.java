package dev.stowage.azure;

import dev.stowage.Backend;
import dev.stowage.conformance.BackendConformanceTest;
import java.util.UUID;

/** The conformance suite on Azurite (a real Azure Blob server on loopback), each test under a fresh prefix of one container. */
class AzureBackendConformanceTest extends BackendConformanceTest {
    /**
     * Azurite 3.37 sorts listings by JavaScript string comparison (UTF-16 code units); Azure Blob
     * Storage lists by UTF-8 bytes, which {@link AzureBackend} passes through unchanged. So on this
     * test server only, keys above U+FFFF stay out of the listing-order checks.
     */
    @Override
    protected boolean serverListsSupplementaryKeysInUtf8Order() {
        return false;
    }

    @Override
    protected Backend openBackend() {
        return AzureBackend.builder()
            .container(AzuriteServer.shared().container(AzuriteServer.CONTAINER, AzureBackend.DEFAULT_TIMEOUT))
            .prefix("conformance-" + UUID.randomUUID())
            .build();
    }
}
