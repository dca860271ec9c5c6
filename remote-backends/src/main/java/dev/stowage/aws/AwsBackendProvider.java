package dev.stowage.aws;

import dev.stowage.Backend;
import dev.stowage.BackendProvider;
import dev.stowage.InvalidRequestException;
import dev.stowage.StoreLocation;
import dev.stowage.s3.S3Backend;
import dev.stowage.s3.S3BackendProvider;
import dev.stowage.s3.S3Clients;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Opens {@code aws://bucket/prefix?region=eu-west-1} on AWS S3 itself: the same
 * {@link S3Backend}, virtual-hosted addressing, credentials from the SDK's default chain (or
 * {@code profile}), region from the option or the SDK's default region chain ({@code AWS_REGION},
 * config files, instance metadata). Options as {@code s3://} except {@code insecure}: {@code region},
 * {@code partSize}, {@code timeout}, {@code createBucket}, {@code profile}.
 */
public final class AwsBackendProvider implements BackendProvider {
    @Override
    public String scheme() {
        return "aws";
    }

    @Override
    public Set<String> options() {
        return Set.of(S3BackendProvider.REGION, S3BackendProvider.PART_SIZE, S3BackendProvider.TIMEOUT,
            S3BackendProvider.CREATE_BUCKET, S3BackendProvider.PROFILE);
    }

    @Override
    public Backend open(StoreLocation location) {
        String bucket = location.uri().getHost();
        if (bucket == null) {
            throw new InvalidRequestException("aws:// needs a bucket: aws://bucket/prefix, not " + location);
        }
        String prefix = location.uri().getPath() == null ? "" : location.uri().getPath().replaceAll("^/+|/+$", "");
        Region region = location.has(S3BackendProvider.REGION) ? Region.of(location.string(S3BackendProvider.REGION, null))
            : new DefaultAwsRegionProviderChain().getRegion();
        S3Client client = S3Clients.forAws(region, location.has(S3BackendProvider.PROFILE)
            ? ProfileCredentialsProvider.create(location.string(S3BackendProvider.PROFILE, null))
            : DefaultCredentialsProvider.builder().build(), S3BackendProvider.timeout(location));
        return S3BackendProvider.open(client, "AWS S3 " + region, bucket, prefix, location);
    }
}
