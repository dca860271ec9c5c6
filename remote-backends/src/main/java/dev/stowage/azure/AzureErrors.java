package dev.stowage.azure;

import com.azure.core.exception.HttpResponseException;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.stowage.Precondition;
import dev.stowage.StorageException;
import dev.stowage.TransientStorageException;
import dev.stowage.remote.HttpFailures;
import dev.stowage.remote.RemoteEntry;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * The one place Azure Blob failures become {@link StorageException}s: service responses by
 * {@link HttpFailures} (Azure and Azurite answer {@code If-None-Match: *} on an existing blob with
 * 409 BlobAlreadyExists, a failed precondition there; ContainerNotFound is the missing-container
 * case); I/O failures and timeouts anywhere in the cause chain → {@link TransientStorageException}.
 *
 * <p>Stateless; thread-safe.
 */
final class AzureErrors {
    private AzureErrors() {
    }

    static StorageException map(RuntimeException e, RemoteEntry entry, Precondition precondition) {
        if (e instanceof HttpResponseException) {
            int status = ((HttpResponseException) e).getResponse().getStatusCode();
            BlobErrorCode code = e instanceof BlobStorageException ? ((BlobStorageException) e).getErrorCode() : null;
            return HttpFailures.forStatus(status, code == null ? null : code.toString(), BlobErrorCode.CONTAINER_NOT_FOUND.equals(code),
                entry, precondition, "check the account key, SAS token or connection string of the configured credential", e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return new TransientStorageException("Azure call on " + entry + " failed before a response: " + t, e);
            }
        }
        return new StorageException("Azure call on " + entry + " failed: " + e, e);
    }
}
