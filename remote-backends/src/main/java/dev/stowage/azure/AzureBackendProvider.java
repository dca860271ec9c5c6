package dev.stowage.azure;

import com.azure.storage.blob.BlobContainerClient;
import dev.stowage.Backend;
import dev.stowage.BackendProvider;
import dev.stowage.InvalidRequestException;
import dev.stowage.Space;
import dev.stowage.StoreLocation;
import dev.stowage.remote.RemoteEntry;
import java.time.Duration;
import java.util.Set;

/**
 * Opens {@code azure://account/container/prefix}. Options: {@code endpoint} (default
 * {@code https://<account>.blob.core.windows.net}; Azurite: {@code http://127.0.0.1:10000/devstoreaccount1}),
 * {@code blockSize} (bytes), {@code timeout} (per call, e.g. {@code 30s}), {@code createContainer=true}
 * (create a missing container; default: a missing container is an error).
 *
 * <p>Credentials, never read from the URL and never logged, first found wins: the environment
 * variable {@value #CONNECTION_STRING_VARIABLE} (a connection string, which then also gives the
 * endpoint), {@value #ACCOUNT_KEY_VARIABLE} (the account's shared key), {@value #SAS_VARIABLE}
 * (a shared access signature).
 */
public final class AzureBackendProvider implements BackendProvider {
    public static final String CONNECTION_STRING_VARIABLE = "AZURE_STORAGE_CONNECTION_STRING";
    public static final String ACCOUNT_KEY_VARIABLE = "STOWAGE_AZURE_ACCOUNT_KEY";
    public static final String SAS_VARIABLE = "STOWAGE_AZURE_SAS";
    public static final String ENDPOINT = "endpoint";
    public static final String BLOCK_SIZE = "blockSize";
    public static final String TIMEOUT = "timeout";
    public static final String CREATE_CONTAINER = "createContainer";

    @Override
    public String scheme() {
        return "azure";
    }

    @Override
    public Set<String> options() {
        return Set.of(ENDPOINT, BLOCK_SIZE, TIMEOUT, CREATE_CONTAINER);
    }

    @Override
    public Backend open(StoreLocation location) {
        String account = location.uri().getHost();
        String path = location.uri().getPath() == null ? "" : location.uri().getPath().replaceAll("^/+|/+$", "");
        if (account == null || path.isEmpty()) {
            throw new InvalidRequestException("azure:// needs an account and a container: azure://account/container/prefix, not " + location);
        }
        int slash = path.indexOf('/');
        String container = slash < 0 ? path : path.substring(0, slash);
        String prefix = slash < 0 ? "" : path.substring(slash + 1);
        Duration timeout = location.duration(TIMEOUT, AzureBackend.DEFAULT_TIMEOUT);
        String endpoint = location.string(ENDPOINT, "https://" + account + ".blob.core.windows.net");
        BlobContainerClient client = client(account, endpoint, container, timeout);
        ensureContainer(client, endpoint, location.flag(CREATE_CONTAINER, false));
        return AzureBackend.builder().container(client).prefix(prefix).timeout(timeout)
            .blockSize((int) location.number(BLOCK_SIZE, AzureBackend.DEFAULT_BLOCK_SIZE, AzureBackend.MIN_BLOCK_SIZE, AzureBackend.MAX_BLOCK_SIZE))
            .build();
    }

    private static BlobContainerClient client(String account, String endpoint, String container, Duration timeout) {
        String connectionString = System.getenv(CONNECTION_STRING_VARIABLE);
        if (connectionString != null && !connectionString.isBlank()) {
            return AzureClients.withConnectionString(connectionString, container, timeout);
        }
        String key = System.getenv(ACCOUNT_KEY_VARIABLE);
        if (key != null && !key.isBlank()) {
            return AzureClients.withSharedKey(endpoint, account, key, container, timeout);
        }
        String sas = System.getenv(SAS_VARIABLE);
        if (sas != null && !sas.isBlank()) {
            return AzureClients.withSas(endpoint, sas, container, timeout);
        }
        throw new InvalidRequestException("no Azure credential: set " + CONNECTION_STRING_VARIABLE + ", "
            + ACCOUNT_KEY_VARIABLE + " or " + SAS_VARIABLE);
    }

    private static void ensureContainer(BlobContainerClient client, String endpoint, boolean create) {
        RemoteEntry what = new RemoteEntry(Space.OBJECT, "container", client.getBlobContainerName(), "");
        boolean exists;
        try {
            exists = client.exists();
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, what, null);
        }
        if (exists) {
            return;
        }
        if (!create) {
            throw new InvalidRequestException("container '" + client.getBlobContainerName() + "' does not exist at "
                + endpoint + "; create it, or open with createContainer=true");
        }
        try {
            client.create();
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, what, null);
        }
    }
}
