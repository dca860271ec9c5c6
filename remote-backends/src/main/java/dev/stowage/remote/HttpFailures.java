package dev.stowage.remote;

import dev.stowage.InvalidRequestException;
import dev.stowage.Precondition;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;

/**
 * The contract's error for a service's HTTP status, shared by every remote backend's error
 * mapping:
 * <ul>
 *   <li>412, and 409 on a conditional write (a conflicting concurrent conditional write on S3;
 *       BlobAlreadyExists for {@code If-None-Match: *} on Azure) → precondition failed;</li>
 *   <li>404 → not found, or precondition failed on a conditional write, or a clear error when
 *       the bucket or container itself is missing;</li>
 *   <li>401 / 403 → a non-transient error asking to check the credential (never naming the secret);</li>
 *   <li>400 → invalid request; 429, 500, 502, 503, 504 → transient; anything else → storage error.</li>
 * </ul>
 */
public final class HttpFailures {
    private HttpFailures() {
    }

    /**
     * @param code             the service's error code, or {@code null}
     * @param containerMissing whether a 404 was about the bucket or container rather than the entry
     * @param precondition     the write's precondition, or {@code null} for reads and listings
     * @param credentialHint   what to check when the credential is rejected
     */
    public static StorageException forStatus(int status, String code, boolean containerMissing, RemoteEntry entry,
                                             Precondition precondition, String credentialHint, Throwable cause) {
        boolean conditional = precondition != null && precondition.kind() != Precondition.Kind.ANY;
        String detail = entry + ": HTTP " + status + (code == null ? "" : " " + code);
        switch (status) {
            case 412:
            case 409:
                return conditional ? entry.preconditionFailed(precondition) : new StorageException(detail, cause);
            case 404:
                if (containerMissing) {
                    return new StorageException("bucket or container missing for " + detail);
                }
                return conditional ? entry.preconditionFailed(precondition) : entry.notFound();
            case 401:
            case 403:
                return new StorageException("credentials rejected (" + (code == null ? "access denied" : code) + ") for "
                    + entry + ": " + credentialHint);
            case 400:
                return new InvalidRequestException(detail);
            case 429:
            case 500:
            case 502:
            case 503:
            case 504:
                return new TransientStorageException(detail, cause);
            default:
                return new StorageException(detail, cause);
        }
    }
}
