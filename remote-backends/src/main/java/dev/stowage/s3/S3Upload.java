package dev.stowage.s3;

import dev.stowage.InvalidRequestException;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import dev.stowage.StorageException;

/**
 * One conditional write: a single PUT, or a multipart upload completed under the precondition
 * and aborted on any failure (so no parts are left behind to be billed).
 *
 * <p>Not thread-safe: one per write.
 */
final class S3Upload {
    private final S3Client client;
    private final String bucket;
    private final S3Entry entry;
    private final String contentType;
    private final Map<String, String> metadata;
    private final Precondition precondition;

    S3Upload(S3Client client, String bucket, S3Entry entry, String contentType, Map<String, String> metadata,
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

    /** Stores the whole stamped body in one PUT; returns its ETag. */
    String putWhole(RequestBody stamped) {
        try {
            return canonicalEtag(client.putObject(b -> b.bucket(bucket).key(entry.objectKey()).contentType(contentType).metadata(metadata)
                .ifMatch(ifMatch()).ifNoneMatch(ifNoneMatch()), stamped).eTag());
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, precondition);
        }
    }

    /**
     * Uploads {@code firstPart} (a full part, stamp included) and the rest of {@code in} in parts of
     * the same size, then completes under the precondition.
     */
    String multipart(InputStream in, byte[] firstPart, ReplayableBody body, long maxBodyBytes) throws IOException {
        failFastIfPreconditionFails();
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(b -> b.bucket(bucket).key(entry.objectKey()).contentType(contentType)
                .metadata(metadata)).uploadId();
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, null);
        }
        boolean completed = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            byte[] buffer = firstPart;
            int filled = firstPart.length;
            long payload = filled - WriteStamp.LENGTH;
            while (true) {
                int number = parts.size() + 1;
                RequestBody part = RequestBody.fromBytes(filled == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, filled));
                String etag;
                try {
                    etag = client.uploadPart(b -> b.bucket(bucket).key(entry.objectKey()).uploadId(uploadId).partNumber(number), part).eTag();
                } catch (SdkException e) {
                    throw S3Errors.map(e, entry, null);
                }
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                if (filled < buffer.length) {
                    break;
                }
                filled = in.readNBytes(buffer, 0, buffer.length);
                payload += filled;
                if (payload > maxBodyBytes) {
                    throw new InvalidRequestException("body exceeds " + maxBodyBytes + " bytes");
                }
                if (filled == 0) {
                    break;
                }
            }
            body.checkLength(payload);
            String etag;
            try {
                etag = canonicalEtag(client.completeMultipartUpload(b -> b.bucket(bucket).key(entry.objectKey()).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(parts)).ifMatch(ifMatch()).ifNoneMatch(ifNoneMatch())).eTag());
            } catch (SdkException e) {
                throw S3Errors.map(e, entry, precondition);
            }
            completed = true;
            return etag;
        } finally {
            if (!completed) {
                abort(uploadId);
            }
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

    private void abort(String uploadId) {
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
