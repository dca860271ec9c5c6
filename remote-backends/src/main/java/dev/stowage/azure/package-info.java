/**
 * The contract on Azure Blob Storage ({@code azure://account/container/prefix}, see
 * {@link dev.stowage.azure.AzureBackendProvider}): {@link dev.stowage.azure.AzureBackend}, block
 * blobs laid out as {@link dev.stowage.remote.KeyLayout} describes, the descriptor in the blob
 * metadata {@code stowage_descriptor}, compare-and-swap on {@code BlobRequestConditions}.
 *
 * <p>HTTP client: azure-core-http-jdk-httpclient (the JDK's {@code java.net.http}); the SDK's
 * default Netty client is excluded. Test server: Azurite 3.37 from the npm registry (blob service
 * only, loopback, telemetry off), which lists in UTF-16 rather than UTF-8 order (see
 * AzureBackendConformanceTest).
 */
package dev.stowage.azure;
