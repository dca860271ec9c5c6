package dev.stowage.s3;

import dev.stowage.remote.RemoteEntry;

import dev.stowage.Precondition;
import dev.stowage.remote.ChunkedBodyWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import dev.stowage.StorageException;

/**
 * One conditional write to S3 for {@link ChunkedBodyWriter}: a single PUT, or a multipart upload
 * completed under the precondition and aborted on any failure (so no parts are left behind to be
 * billed).
 *
 * <p>Not thread-safe: one per write.
 */
final class S3Upload implements ChunkedBodyWriter.Sink {
    private final S3Client client;
    private final String bucket;
    private final RemoteEntry entry;
    private final String contentType;
    private final Map<String, String> metadata;
    private final Precondition precondition;
    private final List<CompletedPart> parts = new ArrayList<>();
    private String uploadId;

    S3Upload(S3Client client, String bucket, RemoteEntry entry, String contentType, Map<String, String> metadata,
             Precondition precondition) {
        this.client = client;
        this.bucket = bucket;
        this.entry = entry;
        this.contentType = contentType;
        this.metadata = metadata;
        this.precondition = precondition;
    }

    /**
     * The ETag in its quoted HTTP form: services differ in whether listing and multipart responses
     * quote it, and a precondition must send back exactly what a read reported.
     */
    static String canonicalEtag(String etag) {
        return etag == null || etag.startsWith("\"") ? etag : "\"" + etag + "\"";
    }

    private String ifMatch() {
        return precondition.kind() == Precondition.Kind.IF_MATCH ? precondition.etag() : null;
    }

    private String ifNoneMatch() {
        return precondition.kind() == Precondition.Kind.MUST_NOT_EXIST ? "*" : null;
    }

    @Override
    public String putWhole(byte[] data, int length) {
        RequestBody stamped = RequestBody.fromBytes(ChunkedBodyWriter.exactly(data, length));
        try {
            return canonicalEtag(client.putObject(b -> b.bucket(bucket).key(entry.objectKey()).contentType(contentType).metadata(metadata)
                .ifMatch(ifMatch()).ifNoneMatch(ifNoneMatch()), stamped).eTag());
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, precondition);
        }
    }

    @Override
    public void beginChunks() {
        failFastIfPreconditionFails();
        try {
            uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(entry.objectKey()).contentType(contentType)
                .metadata(metadata)).uploadId();
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, null);
        }
    }

    @Override
    public void putChunk(int number, byte[] data, int length) {
        RequestBody part = RequestBody.fromBytes(ChunkedBodyWriter.exactly(data, length));
        try {
            String etag = client.uploadPart(b -> b.bucket(bucket).key(entry.objectKey()).uploadId(uploadId).partNumber(number), part).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, null);
        }
    }

    @Override
    public String completeChunks() {
        try {
            return canonicalEtag(client.completeMultipartUpload(b -> b.bucket(bucket).key(entry.objectKey()).uploadId(uploadId)
                .multipartUpload(u -> u.parts(parts)).ifMatch(ifMatch()).ifNoneMatch(ifNoneMatch())).eTag());
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, precondition);
        }
    }

    /**
     * Checks the precondition before any part is sent, so a write bound to fail does not upload
     * gigabytes first. The completion still carries the condition: that is what makes it atomic.
     * (It also keeps S3Mock 5.2.0 from a bug of its own: aborting an upload whose conditional
     * completion failed deletes the existing object there, not on S3.)
     */
    private void failFastIfPreconditionFails() {
        if (precondition.kind() == Precondition.Kind.ANY) {
            return;
        }
        String current;
        try {
            current = canonicalEtag(client.headObject(b -> b.bucket(bucket).key(entry.objectKey())).eTag());
        } catch (SdkException e) {
            StorageException mapped = S3Errors.map(e, entry, null);
            if (!(mapped instanceof dev.stowage.NotFoundException)) {
                throw mapped;
            }
            current = null;
        }
        if (!precondition.isSatisfiedBy(current)) {
            throw entry.preconditionFailed(precondition);
        }
    }

    @Override
    public void abandonChunks() {
        if (uploadId == null) {
            return;
        }
        try {
            client.abortMultipartUpload(b -> b.bucket(bucket).key(entry.objectKey()).uploadId(uploadId));
        } catch (SdkException e) {
            // The write already failed with its own error; a part left behind is what a bucket
            // lifecycle rule for incomplete uploads removes.
            org.slf4j.LoggerFactory.getLogger(S3Upload.class).warn("could not abort multipart upload {} of {}: {}",
                uploadId, entry, e.toString());
        }
    }
}
