package dev.stowage.aws;

import dev.stowage.Backend;
import dev.stowage.Stores;
import dev.stowage.conformance.BackendConformanceTest;
import java.util.UUID;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The conformance suite against the real AWS S3, only when a test bucket and credentials are in
 * the environment ({@code STOWAGE_AWS_TEST_BUCKET}, plus the SDK's usual {@code AWS_ACCESS_KEY_ID}
 * / {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_REGION}); JUnit reports it skipped, with this
 * condition, otherwise. No mock stands in for AWS: S3 behaviour is tested on S3Mock.
 */
@EnabledIfEnvironmentVariable(named = "STOWAGE_AWS_TEST_BUCKET", matches = ".+",
    disabledReason = "no AWS test bucket in the environment (STOWAGE_AWS_TEST_BUCKET): real-AWS tests skipped")
class AwsBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend openBackend() {
        return Stores.open("aws://" + System.getenv("STOWAGE_AWS_TEST_BUCKET") + "/stowage-conformance/" + UUID.randomUUID());
    }
}
