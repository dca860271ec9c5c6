package dev.stowage.s3;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * SDK clients as {@link S3Backend} expects them: the JDK's HTTP stack (url-connection-client), no
 * SDK retries (so they do not multiply with {@code dev.stowage.retry}), and checksums only where
 * the operation requires them (so any S3-compatible server works; the TCP and TLS checksums and
 * the service's MD5 ETags remain).
 */
public final class S3Clients {
    /** Connection timeout of every client. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default socket read timeout; a timed-out call is transient. */
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    private S3Clients() {
    }

    /** A client for an S3-compatible server at {@code endpoint}, path-style addressing. */
    public static S3Client forEndpoint(URI endpoint, Region region, AwsCredentialsProvider credentials, Duration socketTimeout) {
        return base(region, credentials, socketTimeout).endpointOverride(endpoint).forcePathStyle(true).build();
    }

    /** A client for AWS S3 in {@code region}, virtual-hosted addressing. */
    public static S3Client forAws(Region region, AwsCredentialsProvider credentials, Duration socketTimeout) {
        return base(region, credentials, socketTimeout).build();
    }

    private static S3ClientBuilder base(Region region, AwsCredentialsProvider credentials, Duration socketTimeout) {
        return S3Client.builder()
            .region(region)
            .credentialsProvider(credentials)
            .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(CONNECT_TIMEOUT).socketTimeout(socketTimeout))
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
}
