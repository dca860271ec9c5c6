package dev.stowage.azure;

import com.azure.core.credential.AzureSasCredential;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.time.Duration;

/**
 * Container clients as {@link AzureBackend} expects them: the JDK's {@code java.net.http} client
 * (azure-core-http-jdk-httpclient; the SDK's default Netty client is excluded) and one try per
 * call (no SDK retries, so they do not multiply with {@code dev.stowage.retry}).
 */
public final class AzureClients {
    private AzureClients() {
    }

    /** Shared-key authentication (an account key; Azurite's well-known key on a test server). */
    public static BlobContainerClient withSharedKey(String endpoint, String account, String accountKey, String container,
                                                    Duration timeout) {
        return base(endpoint, timeout).credential(new StorageSharedKeyCredential(account, accountKey))
            .buildClient().getBlobContainerClient(container);
    }

    /** Shared access signature authentication. */
    public static BlobContainerClient withSas(String endpoint, String sasToken, String container, Duration timeout) {
        return base(endpoint, timeout).credential(new AzureSasCredential(sasToken)).buildClient().getBlobContainerClient(container);
    }

    /** A connection string (holds endpoint and credential). */
    public static BlobContainerClient withConnectionString(String connectionString, String container, Duration timeout) {
        return new BlobServiceClientBuilder().connectionString(connectionString)
            .httpClient(new JdkHttpClientBuilder().build())
            .retryOptions(oneTry(timeout))
            .buildClient().getBlobContainerClient(container);
    }

    private static BlobServiceClientBuilder base(String endpoint, Duration timeout) {
        return new BlobServiceClientBuilder().endpoint(endpoint).httpClient(new JdkHttpClientBuilder().build()).retryOptions(oneTry(timeout));
    }

    private static RequestRetryOptions oneTry(Duration timeout) {
        return new RequestRetryOptions(RetryPolicyType.FIXED, 1, timeout, null, null, null);
    }
}
