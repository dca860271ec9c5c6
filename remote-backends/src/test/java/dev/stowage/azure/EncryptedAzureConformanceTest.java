package dev.stowage.azure;

import dev.stowage.Backend;
import dev.stowage.crypto.EncryptingBackend;
import dev.stowage.remote.TestKeyRings;

/**
 * The conformance suite on encrypt(azure): envelope encryption over the Azure backend on Azurite,
 * so the key envelope travels in blob metadata and every ciphertext through a real server.
 */
class EncryptedAzureConformanceTest extends AzureBackendConformanceTest {
    @Override
    protected Backend openBackend() {
        return EncryptingBackend.builder(super.openBackend()).keyProvider(TestKeyRings.fixed()).build();
    }
}
