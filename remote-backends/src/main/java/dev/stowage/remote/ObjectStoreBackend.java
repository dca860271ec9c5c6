package dev.stowage.remote;

import dev.stowage.Backend;
import dev.stowage.Capabilities;
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
import dev.stowage.StorageException;
import dev.stowage.Subscription;
import dev.stowage.staging.PayloadStaging;
import dev.stowage.staging.StagedPayloadStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The contract on an object store, written once for every service: names are validated and laid
 * out by {@link KeyLayout}, and each call becomes one of six service primitives that a subclass
 * implements with its SDK ({@link #read}, {@link #head}, {@link #write}, {@link #remove},
 * {@link #listUnder}, {@link #namespacesUnder}). Rules kept here:
 * <ul>
 *   <li>a {@code mustNotExist} delete changes nothing, so it is a {@link #head} (no stat-then-act:
 *       there is no act);</li>
 *   <li>{@link #copyObject} streams the source into a write under the target's precondition; a
 *       replay of that body rereads the same source version or fails;</li>
 *   <li>staging is {@link PayloadStaging} over staged payloads kept under
 *       {@link KeyLayout#stagingPrefix}, written with the same conditional requests;</li>
 *   <li>no change feed; after {@link #close()} every call fails with {@link ClosedException}.</li>
 * </ul>
 *
 * <p>Thread-safe if the subclass's primitives are.
 */
public abstract class ObjectStoreBackend implements Backend, StagingBackend {
    protected final KeyLayout layout;
    private final Capabilities capabilities;
    private final PayloadStaging staging = new PayloadStaging(this, new StagedPayloads());
    private volatile boolean closed;

    protected ObjectStoreBackend(String prefix, Capabilities capabilities) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new InvalidRequestException("prefix '" + prefix + "' must not start or end with '/'");
        }
        this.layout = new KeyLayout(prefix);
        this.capabilities = capabilities;
    }

    // ------------------------------------------------------------------ the service primitives

    /**
     * Opens an entry's body; with {@code etag}, only while the entry still has it.
     *
     * @throws NotFoundException if absent ({@link dev.stowage.PreconditionFailedException} if the ETag no longer matches)
     */
    protected abstract Content read(RemoteEntry entry, String etag);

    /** Describes an entry. @throws NotFoundException if absent */
    protected abstract EntryInfo head(RemoteEntry entry);

    /** Writes an entry under {@code precondition}; returns the ETag of the write's response. */
    protected abstract String write(RemoteEntry entry, ReplayableBody body, ObjectAttributes attributes, Precondition precondition);

    /** Deletes under {@code any()} (absent: no effect) or {@code ifMatch} (absent: precondition failed). */
    protected abstract void remove(RemoteEntry entry, Precondition precondition);

    /** Entries named {@code base + prefix...} strictly after {@code base + startAfter}, keys relative to {@code base}. */
    protected abstract Page<EntryInfo> listUnder(Space space, String namespace, String base, String prefix, String startAfter, int limit);

    /** The first path segments below {@code prefix} (namespaces), in any order. */
    protected abstract List<String> namespacesUnder(String prefix);

    /** Releases the service client, once, at close. */
    protected abstract void release();

    // ------------------------------------------------------------------ the contract

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    protected final void ensureOpen() {
        if (closed) {
            throw new ClosedException(toString());
        }
    }

    private RemoteEntry open(Space space, String namespace, String key) {
        ensureOpen();
        return layout.entry(space, namespace, key);
    }

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

    @Override
    public Content getObject(String namespace, String key) {
        return read(open(Space.OBJECT, namespace, key), null);
    }

    @Override
    public EntryInfo headObject(String namespace, String key) {
        return head(open(Space.OBJECT, namespace, key));
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
        AtomicReference<InputStream> unused = new AtomicReference<>(first.stream());
        ReplayableBody body = ReplayableBody.ofSupplier(first.size(), () -> {
            InputStream stream = unused.getAndSet(null);
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

    private void delete(RemoteEntry entry, Precondition precondition) {
        Precondition.required(precondition);
        if (precondition.kind() == Precondition.Kind.MUST_NOT_EXIST) {
            // Deleting what must not exist changes nothing: it only reports whether it exists.
            try {
                head(entry);
            } catch (NotFoundException absent) {
                return;
            }
            throw entry.preconditionFailed(precondition);
        }
        remove(entry, precondition);
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

    /** Staged payloads as entries under {@link KeyLayout#stagingPrefix}, with the same conditional writes. */
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
            ObjectStoreBackend.this.delete(layout.staged(namespace, path), precondition);
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
        List<String> namespaces = new java.util.ArrayList<>(namespacesUnder(layout.prefix()));
        namespaces.sort(Names.KEY_ORDER);
        return namespaces;
    }

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no change feed");
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release();
        }
    }

    @Override
    public void abort() {
        close();
    }
}
