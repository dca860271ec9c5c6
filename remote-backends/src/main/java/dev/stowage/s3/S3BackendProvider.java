package dev.stowage.s3;

import dev.stowage.remote.RemoteEntry;

import dev.stowage.Backend;
import dev.stowage.BackendProvider;
import dev.stowage.InvalidRequestException;
import dev.stowage.StoreLocation;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Opens {@code s3://host:port/bucket/prefix} on any S3-compatible server (path-style addressing).
 * Options: {@code insecure=1} (plain HTTP, for a server on loopback), {@code region} (default
 * {@code us-east-1}), {@code partSize} (bytes), {@code timeout} (socket read timeout, e.g.
 * {@code 30s}), {@code createBucket=true} (create a missing bucket; default: a missing bucket is
 * an error), {@code profile} (a named profile of the AWS config files).
 *
 * <p>Credentials, never read from the URL and never logged: the environment variables
 * {@value #ACCESS_KEY_VARIABLE} and {@value #SECRET_KEY_VARIABLE} if set, else the named
 * {@code profile}, else the SDK's default chain ({@code AWS_ACCESS_KEY_ID} /
 * {@code AWS_SECRET_ACCESS_KEY}, the {@code aws.accessKeyId} / {@code aws.secretAccessKey} system
 * properties, {@code ~/.aws/credentials}, container and instance roles).
 */
public final class S3BackendProvider implements BackendProvider {
    public static final String ACCESS_KEY_VARIABLE = "STOWAGE_S3_ACCESS_KEY_ID";
    public static final String SECRET_KEY_VARIABLE = "STOWAGE_S3_SECRET_ACCESS_KEY";
    public static final String INSECURE = "insecure";
    public static final String REGION = "region";
    public static final String PART_SIZE = "partSize";
    public static final String TIMEOUT = "timeout";
    public static final String CREATE_BUCKET = "createBucket";
    public static final String PROFILE = "profile";
    /** Region used when {@link #REGION} is absent (S3-compatible servers mostly ignore it). */
    public static final String DEFAULT_REGION = "us-east-1";

    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public Set<String> options() {
        return Set.of(INSECURE, REGION, PART_SIZE, TIMEOUT, CREATE_BUCKET, PROFILE);
    }

    @Override
    public Backend open(StoreLocation location) {
        URI uri = location.uri();
        if (uri.getHost() == null) {
            throw new InvalidRequestException("s3:// needs a host: s3://host:port/bucket/prefix, not " + location);
        }
        String endpoint = (location.flag(INSECURE, false) ? "http://" : "https://") + uri.getHost()
            + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        String[] bucketAndPrefix = bucketAndPrefix(uri.getPath(), location);
        S3Client client = S3Clients.forEndpoint(URI.create(endpoint), Region.of(location.string(REGION, DEFAULT_REGION)),
            credentials(location), timeout(location));
        return open(client, endpoint, bucketAndPrefix[0], bucketAndPrefix[1], location);
    }

    /** Splits {@code /bucket/prefix/parts} into bucket and prefix. */
    static String[] bucketAndPrefix(String path, StoreLocation location) {
        String trimmed = path == null ? "" : path.replaceAll("^/+|/+$", "");
        if (trimmed.isEmpty()) {
            throw new InvalidRequestException("no bucket in " + location);
        }
        int slash = trimmed.indexOf('/');
        return slash < 0 ? new String[] {trimmed, ""} : new String[] {trimmed.substring(0, slash), trimmed.substring(slash + 1)};
    }

    /** The socket timeout option, default {@link S3Clients#DEFAULT_SOCKET_TIMEOUT}. */
    public static Duration timeout(StoreLocation location) {
        return location.duration(TIMEOUT, S3Clients.DEFAULT_SOCKET_TIMEOUT);
    }

    static AwsCredentialsProvider credentials(StoreLocation location) {
        String access = System.getenv(ACCESS_KEY_VARIABLE);
        String secret = System.getenv(SECRET_KEY_VARIABLE);
        if (access != null && secret != null) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret));
        }
        if (location.has(PROFILE)) {
            return ProfileCredentialsProvider.create(location.string(PROFILE, null));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    /**
     * Checks (or, with {@code createBucket=true}, creates) the bucket, then builds the backend,
     * which owns {@code client}. Shared by the {@code s3://} and {@code aws://} schemes.
     */
    public static S3Backend open(S3Client client, String endpoint, String bucket, String prefix, StoreLocation location) {
        try {
            S3Backend.Builder builder = S3Backend.builder().client(client, true).bucket(bucket).prefix(prefix)
                .partSize((int) location.number(PART_SIZE, S3Backend.DEFAULT_PART_SIZE, S3Backend.MIN_PART_SIZE, S3Backend.MAX_PART_SIZE));
            ensureBucket(client, endpoint, bucket, location.flag(CREATE_BUCKET, false));
            return builder.build();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static void ensureBucket(S3Client client, String endpoint, String bucket, boolean create) {
        RemoteEntry what = new RemoteEntry(dev.stowage.Space.OBJECT, "bucket", bucket, "");
        try {
            client.headBucket(b -> b.bucket(bucket));
            return;
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw S3Errors.map(e, what, null);
            }
        } catch (SdkException e) {
            throw S3Errors.map(e, what, null);
        }
        if (!create) {
            throw new InvalidRequestException("bucket '" + bucket + "' does not exist at " + endpoint
                + "; create it, or open with createBucket=true");
        }
        try {
            client.createBucket(b -> b.bucket(bucket));
        } catch (SdkException e) {
            throw S3Errors.map(e, what, null);
        }
    }
}
