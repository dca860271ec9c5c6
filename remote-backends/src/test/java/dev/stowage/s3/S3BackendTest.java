package dev.stowage.s3;

import static dev.stowage.remote.TestData.body;
import static dev.stowage.remote.TestData.readObject;
import dev.stowage.remote.TestProxy;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.CorruptionException;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;
import dev.stowage.retry.RetryPolicy;
import dev.stowage.retry.RetryingBackend;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3-specific behaviour against S3Mock: conditions decided by the server itself (no proxy),
 * ETags unique per write, foreign objects, a missing bucket, a dead server, and faults injected
 * by {@link TestProxy}: every write either succeeds once with its full body or fails with a typed
 * error, and nothing half-written becomes visible.
 */
class S3BackendTest {
    private static final String NS = "ns";
    private static TestProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        proxy = new TestProxy(S3MockServer.shared().port());
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
    }

    private static S3Backend backend(int port, Duration socketTimeout) {
        return S3Backend.builder().client(S3MockServer.client(port, socketTimeout), true).bucket(S3MockServer.BUCKET)
            .prefix("test-" + UUID.randomUUID()).partSize(S3Backend.MIN_PART_SIZE).build();
    }

    private static S3Backend direct() {
        return backend(S3MockServer.shared().port(), S3Clients.DEFAULT_SOCKET_TIMEOUT);
    }

    private static S3Backend proxied() {
        return backend(proxy.port(), Duration.ofSeconds(2));
    }

    private static Backend retrying(Backend inner) {
        return new RetryingBackend(inner, RetryPolicy.builder().maxAttempts(6).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(50)).build());
    }

    @Test
    void conditionsAreDecidedByTheServerOnSingleAndMultipartWrites() {
        try (S3Backend s3 = direct()) {
            String e1 = s3.putObject(NS, "k", ReplayableBody.ofBytes(body(10)), ObjectAttributes.DEFAULT, Precondition.mustNotExist());
            assertThatThrownBy(() -> s3.putObject(NS, "k", ReplayableBody.ofBytes(body(10)), ObjectAttributes.DEFAULT,
                Precondition.mustNotExist())).isInstanceOf(PreconditionFailedException.class);
            String e2 = s3.putObject(NS, "k", ReplayableBody.ofBytes(body(10)), ObjectAttributes.DEFAULT, Precondition.ifMatch(e1));
            assertThat(e2).as("identical bytes, new ETag").isNotEqualTo(e1);
            assertThatThrownBy(() -> s3.putObject(NS, "k", ReplayableBody.ofBytes(body(10)), ObjectAttributes.DEFAULT,
                Precondition.ifMatch(e1))).isInstanceOf(PreconditionFailedException.class);
            assertThatThrownBy(() -> s3.deleteObject(NS, "k", Precondition.ifMatch(e1))).isInstanceOf(PreconditionFailedException.class);
            assertThatThrownBy(() -> s3.deleteObject(NS, "absent", Precondition.ifMatch(e1))).isInstanceOf(PreconditionFailedException.class);
            s3.deleteObject(NS, "k", Precondition.ifMatch(e2));
            assertThatThrownBy(() -> s3.headObject(NS, "k")).isInstanceOf(NotFoundException.class);

            byte[] large = body(S3Backend.MIN_PART_SIZE * 2 + 1234);
            String m1 = s3.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.mustNotExist());
            assertThatThrownBy(() -> s3.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.mustNotExist()))
                .as("multipart completion under If-None-Match").isInstanceOf(PreconditionFailedException.class);
            String m2 = s3.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.ifMatch(m1));
            assertThat(m2).isNotEqualTo(m1);
            assertThatThrownBy(() -> s3.writeState(NS, "big", ReplayableBody.ofBytes(large), Precondition.ifMatch(m1)))
                .as("multipart completion under a stale If-Match").isInstanceOf(PreconditionFailedException.class);
            try (Content c = s3.readState(NS, "big")) {
                assertThat(c.etag()).isEqualTo(m2);
                assertThat(c.readAllBytes()).isEqualTo(large);
            }
        }
    }

    @Test
    void objectsNotWrittenByStowageAreCorruptionNotData() {
        try (S3Backend s3 = direct(); S3Client raw = S3MockServer.client(S3MockServer.shared().port())) {
            String objectKey = s3.toString().replaceAll(".*/(test-[^/]+)/]", "$1") + "/" + NS + "/objects/foreign";
            raw.putObject(b -> b.bucket(S3MockServer.BUCKET).key(objectKey), RequestBody.fromString("plain text, no stamp"));
            assertThatThrownBy(() -> s3.getObject(NS, "foreign")).isInstanceOf(CorruptionException.class);
        }
    }

    @Test
    void missingBucketAndDeadServerAreTypedErrors() throws Exception {
        try (S3Backend noBucket = S3Backend.builder().client(S3MockServer.client(S3MockServer.shared().port()), true)
            .bucket("no-such-bucket").build()) {
            assertThatThrownBy(() -> noBucket.readMeta(NS, "k")).isInstanceOf(StorageException.class)
                .isNotInstanceOf(TransientStorageException.class).hasMessageContaining("bucket");
        }
        int deadPort = S3MockServer.freePort();
        try (S3Backend dead = backend(deadPort, Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> dead.storeMeta(NS, "k", "v".getBytes(UTF_8), Precondition.any()))
                .isInstanceOf(TransientStorageException.class);
        }
    }

    @Test
    void serviceUnavailableStormFailsTransientlyAndARetryStoresTheWholeBodyOnce() {
        byte[] value = body(100_000);
        try (S3Backend s3 = proxied()) {
            proxy.failNext(3, 503);
            assertThatThrownBy(() -> s3.putObject(NS, "o", ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT,
                Precondition.mustNotExist())).isInstanceOf(TransientStorageException.class);
            Backend retried = retrying(s3);
            proxy.failNext(3, 503);
            int before = proxy.forwarded();
            retried.putObject(NS, "o", ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT, Precondition.mustNotExist());
            assertThat(proxy.forwarded() - before).as("only the successful attempt reached the server").isEqualTo(1);
            assertThat(readObject(s3, NS, "o")).isEqualTo(value);
        }
    }

    @Test
    void connectionResetMidUploadLeavesNothingAndARetryResendsTheWholeBody() {
        byte[] value = body(300_000);
        try (S3Backend s3 = proxied()) {
            proxy.resetNextUploadAfter(100_000);
            assertThatThrownBy(() -> s3.writeState(NS, "s", ReplayableBody.ofBytes(value), Precondition.mustNotExist()))
                .isInstanceOf(TransientStorageException.class);
            assertThatThrownBy(() -> s3.readState(NS, "s")).isInstanceOf(NotFoundException.class);

            proxy.resetNextUploadAfter(100_000);
            retrying(s3).writeState(NS, "s", ReplayableBody.ofBytes(value), Precondition.mustNotExist());
            try (Content c = s3.readState(NS, "s")) {
                assertThat(c.readAllBytes()).isEqualTo(value);
            }

            byte[] large = body(S3Backend.MIN_PART_SIZE + 50_000);
            proxy.resetNextUploadAfter(1_000_000);
            assertThatThrownBy(() -> s3.putObject(NS, "multi", ReplayableBody.ofBytes(large), ObjectAttributes.DEFAULT,
                Precondition.any())).isInstanceOf(TransientStorageException.class);
            assertThatThrownBy(() -> s3.headObject(NS, "multi")).isInstanceOf(NotFoundException.class);
        }
        try (S3Client raw = S3MockServer.client(S3MockServer.shared().port())) {
            assertThat(raw.listMultipartUploads(b -> b.bucket(S3MockServer.BUCKET)).uploads())
                .filteredOn(u -> u.key().endsWith("/" + NS + "/objects/multi"))
                .as("the failed multipart upload was aborted").isEmpty();
        }
    }

    @Test
    void responsePastTheDeadlineIsTransientAndTheEntryIsWholeOrAbsent() {
        byte[] value = body(50_000);
        try (S3Backend s3 = proxied()) {
            proxy.delayNextResponse(4_000);
            assertThatThrownBy(() -> s3.putObject(NS, "slow", ReplayableBody.ofBytes(value), ObjectAttributes.DEFAULT,
                Precondition.any())).isInstanceOf(TransientStorageException.class);
            try {
                assertThat(readObject(s3, NS, "slow")).as("the write landed whole").isEqualTo(value);
            } catch (NotFoundException notApplied) {
                // or it did not land at all
            }
        }
    }
}
