package dev.stowage.s3;

import dev.stowage.remote.HttpFailures;
import dev.stowage.remote.RemoteEntry;

import dev.stowage.InterruptedStorageException;
import dev.stowage.Precondition;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The one place S3 failures become {@link StorageException}s: service responses by
 * {@link HttpFailures} (NoSuchBucket is the missing-container case); client-side I/O failures,
 * timeouts and resets → {@link TransientStorageException}; an interrupted call →
 * {@link InterruptedStorageException}, interrupt status kept.
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
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            return new InterruptedStorageException("calling S3 for " + what, new InterruptedException(message(e)));
        }
        if (e instanceof SdkServiceException) {
            SdkServiceException service = (SdkServiceException) e;
            int status = service.statusCode();
            String code = e instanceof S3Exception && ((S3Exception) e).awsErrorDetails() != null
                ? ((S3Exception) e).awsErrorDetails().errorCode() : null;
            return HttpFailures.forStatus(status, code, "NoSuchBucket".equals(code), entry, precondition,
                "check the access key id and secret of the configured credential source", e);
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
