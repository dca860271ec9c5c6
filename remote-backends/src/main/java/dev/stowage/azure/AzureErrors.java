package dev.stowage.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.Precondition;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;
import dev.stowage.remote.RemoteEntry;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The one place Azure Blob failures become {@link StorageException}s:
 * <ul>
 *   <li>412, and 409 on a conditional write (Azure and Azurite answer {@code If-None-Match: *} on an
 *       existing blob with 409 BlobAlreadyExists) → {@link dev.stowage.PreconditionFailedException};</li>
 *   <li>404 BlobNotFound → {@link dev.stowage.NotFoundException} (on a conditional write: the
 *       condition failed); 404 ContainerNotFound → a clear non-transient error;</li>
 *   <li>429, 500, 502, 503, 504, I/O failures and timeouts → {@link TransientStorageException};</li>
 *   <li>401 / 403 → a non-transient error naming the rejected credential kind (never the secret);</li>
 *   <li>anything else → {@link StorageException} with the service's code.</li>
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
final class AzureErrors {
    private AzureErrors() {
    }

    static StorageException map(RuntimeException e, RemoteEntry entry, Precondition precondition) {
        boolean conditional = precondition != null && precondition.kind() != Precondition.Kind.ANY;
        if (e instanceof HttpResponseException) {
            int status = ((HttpResponseException) e).getResponse().getStatusCode();
            BlobErrorCode code = e instanceof BlobStorageException ? ((BlobStorageException) e).getErrorCode() : null;
            String detail = entry + ": HTTP " + status + (code == null ? "" : " " + code);
            switch (status) {
                case 412:
                case 409:
                    return conditional ? entry.preconditionFailed(precondition) : new StorageException(detail, e);
                case 404:
                    if (BlobErrorCode.CONTAINER_NOT_FOUND.equals(code)) {
                        return new StorageException("container missing for " + detail);
                    }
                    return conditional ? entry.preconditionFailed(precondition) : entry.notFound();
                case 401:
                case 403:
                    return new StorageException("credentials rejected (" + (code == null ? "access denied" : code) + ") for "
                        + entry + ": check the account key, SAS token or connection string of the configured credential");
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
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return new TransientStorageException("Azure call on " + entry + " failed before a response: " + t, e);
            }
        }
        return new StorageException("Azure call on " + entry + " failed: " + e, e);
    }
}
