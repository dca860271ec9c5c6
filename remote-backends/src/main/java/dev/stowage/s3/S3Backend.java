package dev.stowage.s3;

import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.ClosedException;
import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.InterruptedStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.StorageException;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;
import dev.stowage.remote.ChunkedBodyWriter;
import dev.stowage.remote.ObjectStoreBackend;
import dev.stowage.remote.RemoteEntry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The contract on an S3-compatible object store (AWS S3, MinIO, S3Mock, ...) through the AWS SDK
 * for Java v2, with compare-and-swap on the service's own conditional requests.
 *
 * <p><b>Mapping</b> ({@link KeyLayout}): {@code <prefix>/<namespace>/meta|state|objects/<key>}; a
 * content type is the object's {@code Content-Type}, a descriptor the user metadata
 * {@value #DESCRIPTOR_METADATA}. Every stored body starts with a 16-byte {@link WriteStamp} so the
 * service's content-derived ETags change on every write.
 *
 * <p><b>Preconditions</b>: {@code mustNotExist} is {@code If-None-Match: *} and {@code ifMatch}
 * is {@code If-Match} on PutObject, CompleteMultipartUpload and DeleteObject (HTTP 412, or 409 for
 * a conflicting concurrent conditional write, → {@link dev.stowage.PreconditionFailedException});
 * the ETag returned is the one of the write's own response. A {@code mustNotExist} delete
 * changes nothing, so it is a HEAD. {@link #copyObject} streams the body through this process
 * into a conditional PUT (a server-side copy would keep the source's ETag), so it is not
 * {@link Capability#SERVER_SIDE_COPY}.
 *
 * <p><b>Large bodies</b>: up to {@link Builder#partSize} bytes are sent in one PUT; larger ones, and
 * bodies of unknown length, as a multipart upload of parts of that size read one at a time from
 * the {@link ReplayableBody} (one part buffer on the heap per write); a failed upload is aborted.
 *
 * <p><b>Listing</b> uses ListObjectsV2 from {@code StartAfter} (a server-side seek: no re-listing);
 * object listings HEAD each listed object for its content type and descriptor, which S3 listings
 * do not return ({@value #LISTING_HEAD_PARALLELISM} at a time).
 *
 * <p>The contract's rules common to object stores (mustNotExist deletes, copies, staging under
 * {@code <namespace>/staging/}, no change feed) are {@link ObjectStoreBackend}'s. Retries: none in
 * the SDK (wrap with {@code retry=true}); failures are mapped in {@link S3Errors}.
 *
 * <p>Thread-safe. Durability: the service's (S3 acknowledges after storing redundantly).
 */
public final class S3Backend extends ObjectStoreBackend {
    /** User metadata key of an object's descriptor. */
    public static final String DESCRIPTOR_METADATA = "stowage-descriptor";
    /** Default part size of multipart uploads, and the largest body sent in one PUT: 8 MiB. */
    public static final int DEFAULT_PART_SIZE = 8 << 20;
    /** Smallest part S3 accepts (except the last): 5 MiB. */
    public static final int MIN_PART_SIZE = 5 << 20;
    /** Largest part size accepted here: 512 MiB. */
    public static final int MAX_PART_SIZE = 512 << 20;
    /** S3's limit on parts per upload. */
    static final int MAX_PARTS = 10_000;
    /** HEAD requests in flight at once while listing objects. */
    static final int LISTING_HEAD_PARALLELISM = 8;
    /** S3's largest object: 5 TiB. */
    static final long MAX_OBJECT_BYTES = 5L << 40;

    private final S3Client client;
    private final boolean closeClient;
    private final String bucket;
    private final int partSize;
    /**
     * HEADs of listed objects run {@value #LISTING_HEAD_PARALLELISM} at a time (S3 listings carry
     * no content type or metadata); threads start on demand and end after a second idle.
     */
    private final ThreadPoolExecutor listingHeads;

    private S3Backend(Builder b) {
        super(b.prefix, Capabilities.of(EnumSet.of(Capability.STAGING, Capability.NAMESPACE_LISTING, Capability.CONCURRENT_WRITERS,
            Capability.CONDITIONAL_DELETE, Capability.CONDITIONAL_COPY, Capability.DURABLE),
            Capabilities.DEFAULT_MAX_META_BYTES, Math.min(MAX_OBJECT_BYTES, (long) MAX_PARTS * b.partSize) - WriteStamp.LENGTH));
        this.client = b.client;
        this.closeClient = b.closeClient;
        this.bucket = b.bucket;
        this.partSize = b.partSize;
        AtomicInteger threads = new AtomicInteger();
        this.listingHeads = new ThreadPoolExecutor(LISTING_HEAD_PARALLELISM, LISTING_HEAD_PARALLELISM, 1, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "stowage-s3-list-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        this.listingHeads.allowCoreThreadTimeOut(true);
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
        private S3Client client;
        private boolean closeClient;
        private String bucket;
        private String prefix = "";
        private int partSize = DEFAULT_PART_SIZE;

        private Builder() {
        }

        /** The SDK client (required); configure it without SDK retries, see the class comment. */
        public Builder client(S3Client client, boolean closeWithBackend) {
            this.client = client;
            this.closeClient = closeWithBackend;
            return this;
        }

        /** The bucket (required); it must exist. */
        public Builder bucket(String bucket) {
            this.bucket = bucket;
            return this;
        }

        /** Prefix of every object inside the bucket, without leading or trailing {@code /}; default none. */
        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        /**
         * Part size of multipart uploads and the largest body sent in one PUT, from
         * {@link #MIN_PART_SIZE} to {@link #MAX_PART_SIZE}; default {@link #DEFAULT_PART_SIZE}. Each
         * large write holds one part on the heap.
         */
        public Builder partSize(int partSize) {
            this.partSize = partSize;
            return this;
        }

        public S3Backend build() {
            if (client == null || bucket == null || bucket.isEmpty()) {
                throw new InvalidRequestException("an S3 client and a bucket are required");
            }
            if (partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
                throw new InvalidRequestException("part size must be from " + MIN_PART_SIZE + " to " + MAX_PART_SIZE + ", not " + partSize);
            }
            return new S3Backend(this);
        }
    }

    // ------------------------------------------------------------------ the S3 calls

    @Override
    protected List<String> namespacesUnder(String prefix) {
        List<String> namespaces = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Response page;
            try {
                page = client.listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
                    .delimiter("/").continuationToken(token).build());
            } catch (SdkException e) {
                throw S3Errors.map(e, new RemoteEntry(Space.OBJECT, "*", "*", prefix), null);
            }
            for (CommonPrefix p : page.commonPrefixes()) {
                namespaces.add(p.prefix().substring(prefix.length(), p.prefix().length() - 1));
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return namespaces;
    }

    @Override
    protected void release() {
        listingHeads.shutdownNow();
        try {
            listingHeads.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closeClient) {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "S3Backend[" + bucket + "/" + layout.prefix() + "]";
    }

    @Override
    protected Content read(RemoteEntry entry, String etag) {
        ResponseInputStream<GetObjectResponse> response;
        try {
            response = client.getObject(GetObjectRequest.builder().bucket(bucket).key(entry.objectKey()).ifMatch(etag).build());
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, etag == null ? null : Precondition.ifMatch(etag));
        }
        GetObjectResponse r = response.response();
        try {
            WriteStamp.skip(response, entry.toString());
        } catch (IOException e) {
            response.abort();
            throw new UncheckedIOException("reading " + entry, e);
        } catch (RuntimeException e) {
            response.abort();
            throw e;
        }
        EntryInfo info = info(entry, r.eTag(), r.contentLength(), r.lastModified(), r.contentType(), r.metadata());
        return new Content(info, new FilterInputStream(response) {
            private boolean ended;

            @Override
            public int read() throws IOException {
                int b = super.read();
                ended |= b < 0;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                ended |= n < 0;
                return n;
            }

            @Override
            public void close() throws IOException {
                if (!ended) {
                    response.abort(); // do not drain a large body the caller stopped reading
                }
                super.close();
            }
        });
    }

    @Override
    protected EntryInfo head(RemoteEntry entry) {
        HeadObjectResponse r;
        try {
            r = client.headObject(b -> b.bucket(bucket).key(entry.objectKey()));
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, null);
        }
        return info(entry, r.eTag(), r.contentLength(), r.lastModified(), r.contentType(), r.metadata());
    }

    private static EntryInfo info(RemoteEntry entry, String etag, Long storedLength, Instant modified, String contentType,
                                  Map<String, String> metadata) {
        long size = WriteStamp.payloadSize(storedLength == null ? 0 : storedLength, entry.toString());
        String type = entry.space() == Space.OBJECT && contentType != null ? contentType : ObjectAttributes.DEFAULT_CONTENT_TYPE;
        String descriptor = entry.space() == Space.OBJECT ? metadata.get(DESCRIPTOR_METADATA) : null;
        return new EntryInfo(entry.key(), S3Upload.canonicalEtag(etag), size, modified == null ? Instant.EPOCH : modified, type, descriptor);
    }

    @Override
    protected String write(RemoteEntry entry, ReplayableBody body, ObjectAttributes attributes, Precondition precondition) {
        S3Upload upload = new S3Upload(client, bucket, entry, attributes.contentType(),
            attributes.descriptor() == null ? Map.of() : Map.of(DESCRIPTOR_METADATA, attributes.descriptor()), precondition);
        return ChunkedBodyWriter.write(body, WriteStamp.newStamp(), partSize, capabilities().maxBodyBytes(), upload, entry.toString());
    }

    @Override
    protected void remove(RemoteEntry entry, Precondition precondition) {
        String ifMatch = precondition.kind() == Precondition.Kind.IF_MATCH ? precondition.etag() : null;
        try {
            client.deleteObject(b -> b.bucket(bucket).key(entry.objectKey()).ifMatch(ifMatch));
        } catch (SdkException e) {
            throw S3Errors.map(e, entry, precondition);
        }
    }

    @Override
    protected Page<EntryInfo> listUnder(Space space, String namespace, String base, String prefix, String startAfter, int limit) {
        ListObjectsV2Response page;
        try {
            page = client.listObjectsV2(ListObjectsV2Request.builder().bucket(bucket).prefix(base + prefix)
                .startAfter(startAfter == null ? null : base + startAfter).maxKeys(limit).build());
        } catch (SdkException e) {
            throw S3Errors.map(e, new RemoteEntry(space, namespace, prefix + "*", base), null);
        }
        List<EntryInfo> items = new ArrayList<>(page.contents().size());
        List<Future<EntryInfo>> heads = new ArrayList<>();
        String last = null;
        for (S3Object o : page.contents()) {
            String key = o.key().substring(base.length());
            last = key;
            RemoteEntry entry = new RemoteEntry(space, namespace, key, o.key());
            if (space == Space.OBJECT) {
                try {
                    heads.add(listingHeads.submit(() -> headIfPresent(entry)));
                } catch (RejectedExecutionException closedMeanwhile) {
                    throw new ClosedException(toString());
                }
            } else {
                items.add(info(entry, o.eTag(), o.size(), o.lastModified(), null, Map.of()));
            }
        }
        for (Future<EntryInfo> head : heads) {
            EntryInfo info = await(head);
            if (info != null) {
                items.add(info);
            }
        }
        boolean truncated = Boolean.TRUE.equals(page.isTruncated());
        return new Page<>(items, truncated, truncated ? last : null);
    }

    /** The entry's description, or {@code null} if it was deleted since it was listed (as if listed a moment later). */
    private EntryInfo headIfPresent(RemoteEntry entry) {
        try {
            return head(entry);
        } catch (NotFoundException deletedSinceListed) {
            return null;
        }
    }

    private static EntryInfo await(Future<EntryInfo> head) {
        try {
            return head.get();
        } catch (InterruptedException e) {
            throw new InterruptedStorageException("listing objects", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new StorageException("listing objects failed", e.getCause());
        }
    }
}
