package dev.stowage.s3;

import dev.stowage.remote.TestProxy;
import dev.stowage.Backend;
import dev.stowage.conformance.BackendConformanceTest;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The conformance suite on a real S3-compatible server (S3Mock on loopback), each test under a
 * fresh prefix of one bucket. Every request goes through {@link TestProxy}, because S3Mock
 * decides conditions correctly only one request at a time; the server still decides every one.
 * {@link S3ConditionalRequestsTest} checks the conditions directly against S3Mock.
 */
class S3BackendConformanceTest extends BackendConformanceTest {
    private static TestProxy proxy;

    @BeforeAll
    static void startServer() throws Exception {
        proxy = new TestProxy(S3MockServer.shared().port());
    }

    @AfterAll
    static void stopProxy() throws Exception {
        proxy.close();
    }

    /**
     * S3Mock 5.2.0 sorts listings with Java's {@code String.compareTo} (UTF-16 code units); AWS S3
     * sorts by UTF-8 bytes, which {@link S3Backend} passes through unchanged. So on this test
     * server only, keys above U+FFFF stay out of the listing-order checks.
     */
    @Override
    protected boolean serverListsSupplementaryKeysInUtf8Order() {
        return false;
    }

    @Override
    protected Backend openBackend() {
        return S3Backend.builder()
            .client(S3MockServer.client(proxy.port()), true)
            .bucket(S3MockServer.BUCKET)
            .prefix("conformance-" + UUID.randomUUID())
            .build();
    }
}
