package dev.stowage.s3;

import dev.stowage.remote.KeyLayout;
import dev.stowage.remote.RemoteEntry;

import dev.stowage.InterruptedStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.NotFoundException;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The one place S3 failures become {@link StorageException}s:
 * <ul>
 *   <li>412, and 409 (a conditional write conflicting with a concurrent one) → {@link PreconditionFailedException};</li>
 *   <li>404 on an entry → {@link NotFoundException} (on a conditional write: the condition failed);
 *       404 for the bucket → a clear non-transient error;</li>
 *   <li>429, 500, 502, 503, 504, client-side I/O failures, timeouts and resets → {@link TransientStorageException};</li>
 *   <li>401 / 403 → a non-transient error naming the rejected credential (never the secret);</li>
 *   <li>an interrupted call → {@link InterruptedStorageException}, interrupt status kept;</li>
 *   <li>anything else → {@link StorageException} with the service's code and message.</li>
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
final class S3Errors {
    private S3Errors() {
    }

    /**
     * Maps a failure of an operation on {@code entry}.
     *
     * @param precondition the write's precondition, or {@code null} for reads and listings
     */
    static StorageException map(SdkException e, RemoteEntry entry, Precondition precondition) {
        String what = entry.toString();
        boolean conditional = precondition != null && precondition.kind() != Precondition.Kind.ANY;
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            return new InterruptedStorageException("calling S3 for " + what, new InterruptedException(message(e)));
        }
        if (e instanceof SdkServiceException) {
            SdkServiceException service = (SdkServiceException) e;
            int status = service.statusCode();
            String code = e instanceof S3Exception && ((S3Exception) e).awsErrorDetails() != null
                ? ((S3Exception) e).awsErrorDetails().errorCode() : null;
            String detail = what + ": HTTP " + status + (code == null ? "" : " " + code) + ": " + message(e);
            switch (status) {
                case 412:
                case 409:
                    return conditional ? entry.preconditionFailed(precondition) : new StorageException(detail, e);
                case 404:
                    if ("NoSuchBucket".equals(code)) {
                        return new StorageException("bucket missing for " + detail);
                    }
                    return conditional ? entry.preconditionFailed(precondition) : entry.notFound();
                case 401:
                case 403:
                    return new StorageException("credentials rejected (" + (code == null ? "access denied" : code)
                        + ") for " + what + ": check the access key id and secret of the configured credential source");
                case 400:
                    return new InvalidRequestException(detail);
                case 429:
                case 500:
                case 502:
                case 503:
                case 504:
                    return new TransientStorageException(detail, e);
                default:
                    return new StorageException(detail, e);
            }
        }
        if (e instanceof SdkClientException) {
            return new TransientStorageException("S3 call on " + what + " failed before a response: " + message(e), e);
        }
        return new StorageException("S3 call on " + what + " failed: " + message(e), e);
    }

    private static String message(SdkException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
