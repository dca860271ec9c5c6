package dev.stowage.s3;

import dev.stowage.Backend;
import dev.stowage.crypto.EncryptingBackend;
import dev.stowage.remote.TestKeyRings;

/**
 * The conformance suite on encrypt(s3): envelope encryption over the S3 backend on S3Mock, so the
 * key envelope travels in S3 user metadata and every ciphertext through a real server.
 */
class EncryptedS3ConformanceTest extends S3BackendConformanceTest {
    @Override
    protected Backend openBackend() {
        return EncryptingBackend.builder(super.openBackend()).keyProvider(TestKeyRings.fixed()).build();
    }
}
