package dev.stowage.azure;

import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlobInputStreamOptions;
import com.azure.storage.blob.specialized.BlobInputStream;
import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.InvalidRequestException;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;
import dev.stowage.StorageException;
import dev.stowage.remote.ChunkedBodyWriter;
import dev.stowage.remote.ObjectStoreBackend;
import dev.stowage.remote.RemoteEntry;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The contract on Azure Blob Storage (and Azurite) through {@code azure-storage-blob}, with
 * compare-and-swap on the service's own conditional requests ({@code BlobRequestConditions}).
 *
 * <p><b>Mapping</b> ({@link KeyLayout}): block blobs {@code <prefix>/<namespace>/meta|state|objects/<key>}
 * in one container; a content type is the blob's {@code Content-Type}, a descriptor the metadata
 * {@value #DESCRIPTOR_METADATA}. Azure generates a fresh ETag on every write, so bodies are stored
 * as they are.
 *
 * <p><b>Preconditions</b>: {@code If-None-Match: *} / {@code If-Match} on Put Blob, Put Block List
 * and Delete Blob (412, and the 409 BlobAlreadyExists Azure answers for {@code If-None-Match: *},
 * → {@link dev.stowage.PreconditionFailedException}); the ETag returned is the write response's.
 * A {@code mustNotExist} delete changes nothing, so it is a properties read. {@link #copyObject}
 * streams through this process into a conditional write (so no {@link Capability#SERVER_SIDE_COPY}).
 *
 * <p><b>Large bodies</b>: up to {@link Builder#blockSize} in one Put Blob, larger and unknown-length
 * ones as staged blocks of that size committed under the precondition (one block on the heap per
 * write). <b>Listing</b>: List Blobs from {@code startFrom} (a server-side seek) with metadata, so a
 * page is one request.
 *
 * <p>The contract's rules common to object stores (mustNotExist deletes, copies, staging under
 * {@code <namespace>/staging/}, no change feed) are {@link ObjectStoreBackend}'s. SDK retries:
 * none (wrap with {@code retry=true}); failures are mapped in {@link AzureErrors}.
 *
 * <p>Thread-safe. Durability: the service's.
 */
public final class AzureBackend extends ObjectStoreBackend {
    /** Metadata name of an object's descriptor (Azure metadata names are C# identifiers). */
    public static final String DESCRIPTOR_METADATA = "stowage_descriptor";
    /** Default block size, and the largest body sent in one Put Blob: 8 MiB. */
    public static final int DEFAULT_BLOCK_SIZE = 8 << 20;
    /** Smallest block size accepted here: 1 MiB. */
    public static final int MIN_BLOCK_SIZE = 1 << 20;
    /** Largest block size accepted here: 256 MiB. */
    public static final int MAX_BLOCK_SIZE = 256 << 20;
    /** Azure's limit on committed blocks per blob. */
    static final int MAX_BLOCKS = 50_000;
    /** Default timeout of one service call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final BlobContainerClient container;
    private final int blockSize;
    private final Duration timeout;

    private AzureBackend(Builder b) {
        super(b.prefix, Capabilities.of(EnumSet.of(Capability.STAGING, Capability.NAMESPACE_LISTING, Capability.CONCURRENT_WRITERS,
            Capability.CONDITIONAL_DELETE, Capability.CONDITIONAL_COPY, Capability.DURABLE),
            Capabilities.DEFAULT_MAX_META_BYTES, (long) MAX_BLOCKS * b.blockSize));
        this.container = b.container;
        this.blockSize = b.blockSize;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Options, validated once by {@link #build()}.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private BlobContainerClient container;
        private String prefix = "";
        private int blockSize = DEFAULT_BLOCK_SIZE;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {
        }

        /** The container (required); it must exist. Configure its client without SDK retries. */
        public Builder container(BlobContainerClient container) {
            this.container = container;
            return this;
        }

        /** Prefix of every blob name, without leading or trailing {@code /}; default none. */
        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        /** Block size and the largest single Put Blob, {@link #MIN_BLOCK_SIZE}..{@link #MAX_BLOCK_SIZE}. */
        public Builder blockSize(int blockSize) {
            this.blockSize = blockSize;
            return this;
        }

        /** Timeout of each service call, default {@link #DEFAULT_TIMEOUT}; a timed-out call is transient. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public AzureBackend build() {
            if (container == null) {
                throw new InvalidRequestException("a container client is required");
            }
            if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
                throw new InvalidRequestException("block size must be from " + MIN_BLOCK_SIZE + " to " + MAX_BLOCK_SIZE + ", not " + blockSize);
            }
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new InvalidRequestException("timeout must be positive, not " + timeout);
            }
            return new AzureBackend(this);
        }
    }

    // ------------------------------------------------------------------ the service calls

    @Override
    protected List<String> namespacesUnder(String prefix) {
        List<String> namespaces = new ArrayList<>();
        try {
            for (BlobItem item : container.listBlobsByHierarchy("/", new ListBlobsOptions().setPrefix(prefix), timeout)) {
                if (Boolean.TRUE.equals(item.isPrefix())) {
                    namespaces.add(item.getName().substring(prefix.length(), item.getName().length() - 1));
                }
            }
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, new RemoteEntry(Space.OBJECT, "*", "*", prefix), null);
        }
        return namespaces;
    }

    @Override
    protected void release() {
        // the SDK's container client holds no resources of its own to close
    }

    @Override
    public String toString() {
        return "AzureBackend[" + container.getBlobContainerUrl() + "/" + layout.prefix() + "]";
    }

    private BlobClient blob(RemoteEntry entry) {
        return container.getBlobClient(entry.objectKey());
    }

    @Override
    protected Content read(RemoteEntry entry, String etag) {
        BlobInputStream in;
        try {
            BlobInputStreamOptions options = new BlobInputStreamOptions();
            if (etag != null) {
                options.setRequestConditions(new BlobRequestConditions().setIfMatch(etag));
            }
            in = blob(entry).openInputStream(options, Context.NONE);
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, entry, etag == null ? null : Precondition.ifMatch(etag));
        }
        return new Content(info(entry, in.getProperties()), in);
    }

    @Override
    protected EntryInfo head(RemoteEntry entry) {
        try {
            return info(entry, blob(entry).getPropertiesWithResponse(null, timeout, Context.NONE).getValue());
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, entry, null);
        }
    }

    private static EntryInfo info(RemoteEntry entry, BlobProperties p) {
        return info(entry, p.getETag(), p.getBlobSize(), p.getLastModified(), p.getContentType(), p.getMetadata());
    }

    private static EntryInfo info(RemoteEntry entry, String etag, long size, OffsetDateTime modified, String contentType,
                                  Map<String, String> metadata) {
        boolean object = entry.space() == Space.OBJECT;
        return new EntryInfo(entry.key(), etag, size, modified == null ? Instant.EPOCH : modified.toInstant(),
            object && contentType != null ? contentType : ObjectAttributes.DEFAULT_CONTENT_TYPE,
            object && metadata != null ? metadata.get(DESCRIPTOR_METADATA) : null);
    }

    @Override
    protected String write(RemoteEntry entry, ReplayableBody body, ObjectAttributes attributes, Precondition precondition) {
        AzureUpload upload = new AzureUpload(blob(entry).getBlockBlobClient(), entry, attributes.contentType(),
            attributes.descriptor() == null ? Map.of() : Map.of(DESCRIPTOR_METADATA, attributes.descriptor()), precondition, timeout);
        return ChunkedBodyWriter.write(body, new byte[0], blockSize, capabilities().maxBodyBytes(), upload, entry.toString());
    }

    @Override
    protected void remove(RemoteEntry entry, Precondition precondition) {
        try {
            blob(entry).deleteWithResponse(null, AzureUpload.conditions(precondition), timeout, Context.NONE);
        } catch (RuntimeException e) {
            StorageException mapped = AzureErrors.map(e, entry, precondition);
            if (!(mapped instanceof NotFoundException)) {
                throw mapped;
            }
            // absent under any(): no effect
        }
    }

    @Override
    protected Page<EntryInfo> listUnder(Space space, String namespace, String base, String prefix, String after, int limit) {
        String startAfter = after == null ? null : base + after;
        // startFrom is inclusive: ask for one more and drop the start itself.
        int wanted = limit + (startAfter == null ? 0 : 1);
        ListBlobsOptions options = new ListBlobsOptions().setPrefix(base + prefix).setMaxResultsPerPage(wanted)
            .setDetails(new BlobListDetails().setRetrieveMetadata(true));
        if (startAfter != null) {
            options.setStartFrom(startAfter);
        }
        List<EntryInfo> items = new ArrayList<>(limit + 1);
        try {
            // Read until one entry past the page is seen (then the page is truncated) or the listing ends.
            Iterator<PagedResponse<BlobItem>> pages = container.listBlobs(options, null, timeout).iterableByPage(wanted).iterator();
            while (items.size() <= limit && pages.hasNext()) {
                for (BlobItem item : pages.next().getValue()) {
                    if (!item.getName().equals(startAfter) && items.size() <= limit) {
                        RemoteEntry entry = new RemoteEntry(space, namespace, item.getName().substring(base.length()), item.getName());
                        items.add(info(entry, item.getProperties().getETag(), item.getProperties().getContentLength(),
                            item.getProperties().getLastModified(), item.getProperties().getContentType(), item.getMetadata()));
                    }
                }
            }
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, new RemoteEntry(space, namespace, prefix + "*", base), null);
        }
        boolean truncated = items.size() > limit;
        if (truncated) {
            items.remove(items.size() - 1);
        }
        return new Page<>(items, truncated, truncated ? items.get(items.size() - 1).key() : null);
    }
}
