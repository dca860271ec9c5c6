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
import dev.stowage.Backend;
import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.ChangeListener;
import dev.stowage.ClosedException;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.InvalidRequestException;
import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;
import dev.stowage.StagedEntry;
import dev.stowage.StagingBackend;
import dev.stowage.staging.PayloadStaging;
import dev.stowage.staging.StagedPayloadStore;
import dev.stowage.StorageException;
import dev.stowage.Subscription;
import dev.stowage.remote.ChunkedBodyWriter;
import dev.stowage.remote.KeyLayout;
import dev.stowage.remote.RemoteEntry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * <p>No change feed, no staging. SDK retries: none (wrap with {@code retry=true}).
 *
 * <p>Thread-safe. Durability: the service's.
 */
public final class AzureBackend implements Backend, StagingBackend {
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
    private final KeyLayout layout;
    private final int blockSize;
    private final Duration timeout;
    private final Capabilities capabilities;
    private final PayloadStaging staging = new PayloadStaging(this, new StagedPayloads());
    private volatile boolean closed;

    private AzureBackend(Builder b) {
        this.container = b.container;
        this.layout = new KeyLayout(b.prefix);
        this.blockSize = b.blockSize;
        this.timeout = b.timeout;
        this.capabilities = Capabilities.of(EnumSet.of(Capability.STAGING, Capability.NAMESPACE_LISTING, Capability.CONCURRENT_WRITERS,
            Capability.CONDITIONAL_DELETE, Capability.CONDITIONAL_COPY, Capability.DURABLE),
            Capabilities.DEFAULT_MAX_META_BYTES, (long) MAX_BLOCKS * blockSize);
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
            Objects.requireNonNull(prefix, "prefix");
            if (prefix.startsWith("/") || prefix.endsWith("/")) {
                throw new InvalidRequestException("prefix '" + prefix + "' must not start or end with '/'");
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

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    // ------------------------------------------------------------------ meta

    @Override
    public Document readMeta(String namespace, String key) {
        try (Content c = read(open(Space.META, namespace, key), null)) {
            return Document.wrap(c.readAllBytes(), c.etag());
        }
    }

    @Override
    public String storeMeta(String namespace, String key, byte[] document, Precondition precondition) {
        RemoteEntry entry = open(Space.META, namespace, key);
        Precondition.required(precondition);
        if (document.length > capabilities.maxMetaBytes()) {
            throw new InvalidRequestException("meta document is " + document.length + " bytes; at most "
                + capabilities.maxMetaBytes() + " allowed");
        }
        return write(entry, ReplayableBody.ofBytes(document), ObjectAttributes.DEFAULT, precondition);
    }

    @Override
    public void deleteMeta(String namespace, String key, Precondition precondition) {
        delete(open(Space.META, namespace, key), precondition);
    }

    @Override
    public Page<EntryInfo> listMeta(String namespace, ListRequest request) {
        return list(Space.META, namespace, request);
    }

    // ------------------------------------------------------------------ state

    @Override
    public Content readState(String namespace, String key) {
        return read(open(Space.STATE, namespace, key), null);
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        RemoteEntry entry = open(Space.STATE, namespace, key);
        Precondition.required(precondition);
        return write(entry, body, ObjectAttributes.DEFAULT, precondition);
    }

    @Override
    public void removeState(String namespace, String key, Precondition precondition) {
        delete(open(Space.STATE, namespace, key), precondition);
    }

    // ------------------------------------------------------------------ objects

    @Override
    public Content getObject(String namespace, String key) {
        return read(open(Space.OBJECT, namespace, key), null);
    }

    @Override
    public EntryInfo headObject(String namespace, String key) {
        RemoteEntry entry = open(Space.OBJECT, namespace, key);
        return info(entry, properties(entry, null));
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                            Precondition precondition) {
        RemoteEntry entry = open(Space.OBJECT, namespace, key);
        Objects.requireNonNull(attributes, "attributes");
        Precondition.required(precondition);
        return write(entry, body, attributes, precondition);
    }

    @Override
    public void deleteObject(String namespace, String key, Precondition precondition) {
        delete(open(Space.OBJECT, namespace, key), precondition);
    }

    @Override
    public String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition) {
        RemoteEntry source = open(Space.OBJECT, namespace, sourceKey);
        RemoteEntry target = open(Space.OBJECT, namespace, targetKey);
        Precondition.required(targetPrecondition);
        Content first = read(source, null);
        String sourceEtag = first.etag();
        java.util.concurrent.atomic.AtomicReference<java.io.InputStream> unused = new java.util.concurrent.atomic.AtomicReference<>(first.stream());
        ReplayableBody body = ReplayableBody.ofSupplier(first.size(), () -> {
            java.io.InputStream stream = unused.getAndSet(null);
            if (stream != null) {
                return stream;
            }
            try {
                return read(source, sourceEtag).stream();
            } catch (StorageException e) {
                throw new IOException("copy source " + source + " changed while being copied", e);
            }
        });
        try {
            return write(target, body, first.info().attributes(), targetPrecondition);
        } finally {
            first.close();
        }
    }

    @Override
    public Page<EntryInfo> listObjects(String namespace, ListRequest request) {
        return list(Space.OBJECT, namespace, request);
    }

    // ------------------------------------------------------------------ staging

    @Override
    public String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition) {
        ensureOpen();
        return staging.stage(namespace, key, txn, body, precondition);
    }

    @Override
    public Content loadStaged(String namespace, String key, String txn) {
        ensureOpen();
        return staging.loadStaged(namespace, key, txn);
    }

    @Override
    public String promote(String namespace, String key, String txn, Precondition headPrecondition) {
        ensureOpen();
        return staging.promote(namespace, key, txn, headPrecondition);
    }

    @Override
    public void discard(String namespace, String key, String txn, Precondition precondition) {
        ensureOpen();
        staging.discard(namespace, key, txn, precondition);
    }

    @Override
    public Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit) {
        ensureOpen();
        return staging.listStaged(namespace, txnPrefix, startAfter, limit);
    }

    /** Staged payloads as objects under {@link KeyLayout#stagingPrefix}, with the same conditional writes. */
    private final class StagedPayloads implements StagedPayloadStore {
        @Override
        public String put(String namespace, String path, ReplayableBody body, Precondition precondition) {
            Precondition.required(precondition);
            return write(layout.staged(namespace, path), body, ObjectAttributes.DEFAULT, precondition);
        }

        @Override
        public Content get(String namespace, String path) {
            return read(layout.staged(namespace, path), null);
        }

        @Override
        public void delete(String namespace, String path, Precondition precondition) {
            AzureBackend.this.delete(layout.staged(namespace, path), precondition);
        }

        @Override
        public Page<EntryInfo> list(String namespace, String startAfter, int limit) {
            Names.namespace(namespace);
            return listUnder(Space.STATE, namespace, layout.stagingPrefix(namespace), "", startAfter, limit);
        }
    }

    // ------------------------------------------------------------------ namespaces, feed, lifecycle

    @Override
    public List<String> listNamespaces() {
        ensureOpen();
        List<String> namespaces = new ArrayList<>();
        try {
            for (BlobItem item : container.listBlobsByHierarchy("/", new ListBlobsOptions().setPrefix(layout.prefix()), timeout)) {
                if (Boolean.TRUE.equals(item.isPrefix())) {
                    String name = item.getName();
                    namespaces.add(name.substring(layout.prefix().length(), name.length() - 1));
                }
            }
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, new RemoteEntry(Space.OBJECT, "*", "*", layout.prefix()), null);
        }
        namespaces.sort(Names.KEY_ORDER);
        return namespaces;
    }

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        throw new UnsupportedOperationException("the Azure backend has no change feed");
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public void abort() {
        close();
    }

    @Override
    public String toString() {
        return "AzureBackend[" + container.getBlobContainerUrl() + "/" + layout.prefix() + "]";
    }

    // ------------------------------------------------------------------ the service calls

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException(toString());
        }
    }

    private RemoteEntry open(Space space, String namespace, String key) {
        ensureOpen();
        return layout.entry(space, namespace, key);
    }

    private BlobClient blob(RemoteEntry entry) {
        return container.getBlobClient(entry.objectKey());
    }

    /** Opens an entry, optionally only while it still has {@code etag}. */
    private Content read(RemoteEntry entry, String etag) {
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

    private BlobProperties properties(RemoteEntry entry, Precondition precondition) {
        try {
            return blob(entry).getPropertiesWithResponse(null, timeout, Context.NONE).getValue();
        } catch (RuntimeException e) {
            throw AzureErrors.map(e, entry, precondition);
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

    private String write(RemoteEntry entry, ReplayableBody body, ObjectAttributes attributes, Precondition precondition) {
        AzureUpload upload = new AzureUpload(blob(entry).getBlockBlobClient(), entry, attributes.contentType(),
            attributes.descriptor() == null ? Map.of() : Map.of(DESCRIPTOR_METADATA, attributes.descriptor()), precondition, timeout);
        return ChunkedBodyWriter.write(body, new byte[0], blockSize, capabilities.maxBodyBytes(), upload, entry.toString());
    }

    private void delete(RemoteEntry entry, Precondition precondition) {
        Precondition.required(precondition);
        if (precondition.kind() == Precondition.Kind.MUST_NOT_EXIST) {
            // Deleting what must not exist changes nothing: it only reports whether it exists.
            try {
                properties(entry, null);
            } catch (NotFoundException absent) {
                return;
            }
            throw entry.preconditionFailed(precondition);
        }
        try {
            blob(entry).deleteWithResponse(null, AzureUpload.conditions(precondition), timeout, Context.NONE);
        } catch (RuntimeException e) {
            StorageException mapped = AzureErrors.map(e, entry, precondition);
            if (mapped instanceof NotFoundException) {
                return; // absent under any(): no effect
            }
            throw mapped;
        }
    }

    private Page<EntryInfo> list(Space space, String namespace, ListRequest request) {
        ensureOpen();
        Names.namespace(namespace);
        Names.prefix(request.prefix());
        if (KeyLayout.matchesNothing(request.prefix())) {
            return new Page<>(List.of(), false, null);
        }
        return listUnder(space, namespace, layout.spacePrefix(space, namespace), request.prefix(), request.startAfter(), request.limit());
    }

    /** Lists entries whose names start with {@code base + prefix}, keys relative to {@code base}. */
    private Page<EntryInfo> listUnder(Space space, String namespace, String base, String prefix, String after, int limit) {
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
