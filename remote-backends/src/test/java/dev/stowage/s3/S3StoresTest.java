package dev.stowage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.InvalidRequestException;
import dev.stowage.Precondition;
import dev.stowage.Stores;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code s3://} store URLs against S3Mock, credentials from the SDK chain (system properties here). */
class S3StoresTest {
    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", "stowage-test");
        System.setProperty("aws.secretAccessKey", "stowage-test-secret");
    }

    @AfterAll
    static void clearCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static String url(String bucketAndPrefix, String options) {
        return "s3://127.0.0.1:" + S3MockServer.shared().port() + "/" + bucketAndPrefix + "?insecure=1" + options;
    }

    @Test
    void opensAStoreUnderABucketPrefix() {
        String prefix = "stores/" + UUID.randomUUID();
        try (Backend b = Stores.open(url(S3MockServer.BUCKET + "/" + prefix, "&timeout=10s&partSize=" + S3Backend.MIN_PART_SIZE))) {
            assertThat(b).isInstanceOf(S3Backend.class);
            b.storeMeta("ns", "k", "v".getBytes(), Precondition.mustNotExist());
            assertThat(b.readMeta("ns", "k").toByteArray()).isEqualTo("v".getBytes());
            assertThat(b.listNamespaces()).containsExactly("ns");
        }
    }

    @Test
    void aMissingBucketIsAnErrorUnlessCreationIsAsked() {
        String bucket = "created-" + UUID.randomUUID().toString().substring(0, 8);
        assertThatThrownBy(() -> Stores.open(url(bucket, ""))).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining(bucket).hasMessageContaining("createBucket=true");
        try (Backend b = Stores.open(url(bucket, "&createBucket=true"))) {
            b.storeMeta("ns", "k", "v".getBytes(), Precondition.any());
        }
        try (Backend b = Stores.open(url(bucket, ""))) {
            assertThat(b.readMeta("ns", "k").size()).isEqualTo(1);
        }
        assertThatThrownBy(() -> Stores.open("s3:///no-host")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> Stores.open(url(S3MockServer.BUCKET, "&partSize=1"))).isInstanceOf(InvalidRequestException.class);
    }
}
