/**
 * The contract on S3-compatible object stores ({@code s3://host:port/bucket/prefix}, see
 * {@link dev.stowage.s3.S3BackendProvider}) through the AWS SDK for Java v2: {@link dev.stowage.s3.S3Backend}.
 *
 * <p><b>Layout</b> ({@link dev.stowage.s3.KeyLayout}): {@code <prefix>/<namespace>/meta/<key>},
 * {@code <prefix>/<namespace>/state/<key>}, {@code <prefix>/<namespace>/objects/<key>}; keys
 * unescaped; an object's content type is its {@code Content-Type}, its descriptor the user
 * metadata {@code x-amz-meta-stowage-descriptor}. Every body starts with a 16-byte write stamp
 * ({@code STWS} + 12 random bytes) so the service's content-derived ETags are unique per write.
 * Prefix, namespace and key together must fit S3's 1024-byte key limit.
 *
 * <p><b>HTTP client</b>: the SDK's url-connection-client, i.e. the JDK's own HTTP stack; the SDK's
 * default Apache and Netty clients are excluded from the dependency tree, and the Azure backend
 * uses the JDK's HttpClient too, so one process carries one HTTP stack.
 *
 * <p><b>Test servers</b>: Adobe S3Mock 5.2.0 honours the conditional headers one request at a time
 * but not atomically under concurrency, aborting a multipart upload there deletes an existing
 * object of the same key, and it lists in UTF-16 rather than UTF-8 order; the tests say where
 * each of these matters (S3BackendConformanceTest, S3Upload).
 */
package dev.stowage.s3;

import dev.stowage.remote.KeyLayout;
import dev.stowage.remote.RemoteEntry;
