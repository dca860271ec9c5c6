package dev.stowage.memory;

import dev.stowage.Backend;
import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.ChangeEvent;
import dev.stowage.ChangeEvent.ChangeType;
import dev.stowage.ChangeListener;
import dev.stowage.ClosedException;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.InterruptedStorageException;
import dev.stowage.InvalidRequestException;
import dev.stowage.ListRequest;
import dev.stowage.Listings;
import dev.stowage.Names;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;
import dev.stowage.StagedEntry;
import dev.stowage.StagingBackend;
import dev.stowage.Subscription;
import dev.stowage.feed.ChangeFeed;
import dev.stowage.staging.PayloadStaging;
import dev.stowage.staging.StagedPayloadStore;
import java.io.ByteArrayInputStream;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A backend that keeps everything on the heap: the reference implementation the conformance
 * suite's property tests compare other backends against, and a fast store for tests.
 *
 * <p><b>Thread-safety</b>: fully thread-safe and linearizable. Writes to a namespace are
 * serialized by that namespace's lock (taken interruptibly) and install an immutable entry in one
 * step, so a reader sees either the old or the new version, never a mix. Bodies are read from the
 * caller's {@link ReplayableBody} before the lock is taken, so a slow body never blocks other
 * writers. Arrays passed in are copied; arrays handed out are never written again.
 *
 * <p><b>Durability</b>: none. An acknowledged write is visible to every later read in this
 * process and is lost when the backend is closed or the process ends.
 *
 * <p><b>Staging</b>: staged payloads are kept in a per-namespace map apart from user objects (the
 * staging index), so {@link #listStaged} touches staged entries only. Promote is
 * {@link PayloadStaging}'s copy-then-conditional-write; with no crash to survive, its only
 * intermediate state (head written, staged entry not yet removed) is brief and harmless.
 *
 * <p><b>Limits</b>: bodies up to {@link #MAX_BODY_BYTES} (one array each).
 */
public final class MemoryBackend implements Backend, StagingBackend {
    /** Largest state or object body: the largest array the JVM reliably allocates. */
    public static final long MAX_BODY_BYTES = Integer.MAX_VALUE - 8;

    private static final Capabilities CAPABILITIES = Capabilities.of(EnumSet.of(
        Capability.STAGING, Capability.CHANGE_FEED, Capability.SERVER_SIDE_COPY, Capability.NAMESPACE_LISTING,
        Capability.CONDITIONAL_DELETE, Capability.CONDITIONAL_COPY),
        Capabilities.DEFAULT_MAX_META_BYTES, MAX_BODY_BYTES);

    private final ConcurrentHashMap<String, Namespace> namespaces = new ConcurrentHashMap<>();
    private final InstantSource clock;
    private final ChangeFeed feed;
    private final String etagPrefix;
    private final AtomicLong sequence = new AtomicLong();
    private final PayloadStaging staging = new PayloadStaging(this, new StagedPayloads());
    private volatile boolean closed;

    /** A store with the system clock. */
    public MemoryBackend() {
        this(InstantSource.system());
    }

    /** A store that stamps entries with {@code clock}. */
    public MemoryBackend(InstantSource clock) {
        this.clock = clock;
        // A per-instance tag keeps ETags of two stores (or of a store and its replacement) distinct.
        this.etagPrefix = "m" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL) + "-";
        this.feed = new ChangeFeed("mem", ChangeFeed.DEFAULT_QUEUE_CAPACITY);
    }

    private record Entry(byte[] body, EntryInfo info) {
    }

    private static final class Namespace {
        final ReentrantLock writeLock = new ReentrantLock();
        final Map<Space, ConcurrentSkipListMap<String, Entry>> spaces = new EnumMap<>(Space.class);
        /** Staged payloads by staging path: the staging index, kept apart from user objects. */
        final ConcurrentSkipListMap<String, Entry> staged = new ConcurrentSkipListMap<>(Names.KEY_ORDER);

        Namespace() {
            for (Space space : Space.values()) {
                spaces.put(space, new ConcurrentSkipListMap<>(Names.KEY_ORDER));
            }
        }

        ConcurrentSkipListMap<String, Entry> map(Space space, boolean staged) {
            return staged ? this.staged : spaces.get(space);
        }

        boolean isEmpty() {
            return staged.isEmpty() && spaces.values().stream().allMatch(Map::isEmpty);
        }
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    // ---- meta ----

    @Override
    public Document readMeta(String namespace, String key) {
        Entry e = read(Space.META, namespace, key);
        return Document.wrap(e.body, e.info.etag());
    }

    @Override
    public String storeMeta(String namespace, String key, byte[] document, Precondition precondition) {
        validate(namespace, key, precondition);
        if (document == null) {
            throw new InvalidRequestException("meta document must not be null");
        }
        if (document.length > CAPABILITIES.maxMetaBytes()) {
            throw new InvalidRequestException("meta document is " + document.length + " bytes; at most "
                + CAPABILITIES.maxMetaBytes() + " allowed");
        }
        return put(Space.META, namespace, key, document.clone(), ObjectAttributes.DEFAULT, precondition);
    }

    @Override
    public void deleteMeta(String namespace, String key, Precondition precondition) {
        delete(Space.META, namespace, key, precondition);
    }

    @Override
    public Page<EntryInfo> listMeta(String namespace, ListRequest request) {
        return list(Space.META, namespace, request);
    }

    // ---- state ----

    @Override
    public Content readState(String namespace, String key) {
        return content(read(Space.STATE, namespace, key));
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        validate(namespace, key, precondition);
        return put(Space.STATE, namespace, key, body.readAllBytes((int) MAX_BODY_BYTES), ObjectAttributes.DEFAULT, precondition);
    }

    @Override
    public void removeState(String namespace, String key, Precondition precondition) {
        delete(Space.STATE, namespace, key, precondition);
    }

    // ---- objects ----

    @Override
    public Content getObject(String namespace, String key) {
        return content(read(Space.OBJECT, namespace, key));
    }

    @Override
    public EntryInfo headObject(String namespace, String key) {
        return read(Space.OBJECT, namespace, key).info;
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                            Precondition precondition) {
        validate(namespace, key, precondition);
        if (attributes == null) {
            throw new InvalidRequestException("attributes must not be null; use ObjectAttributes.DEFAULT");
        }
        return put(Space.OBJECT, namespace, key, body.readAllBytes((int) MAX_BODY_BYTES), attributes, precondition);
    }

    @Override
    public void deleteObject(String namespace, String key, Precondition precondition) {
        delete(Space.OBJECT, namespace, key, precondition);
    }

    @Override
    public String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition) {
        validate(namespace, targetKey, targetPrecondition);
        Names.key(sourceKey);
        Namespace ns = namespaces.get(namespace);
        if (ns == null) {
            throw new NotFoundException(Space.OBJECT, namespace, sourceKey);
        }
        lock(ns);
        try {
            ensureOpen();
            Entry source = ns.spaces.get(Space.OBJECT).get(sourceKey);
            if (source == null) {
                throw new NotFoundException(Space.OBJECT, namespace, sourceKey);
            }
            return install(ns, Space.OBJECT, false, namespace, targetKey, source.body, source.info.attributes(), targetPrecondition);
        } finally {
            ns.writeLock.unlock();
        }
    }

    @Override
    public Page<EntryInfo> listObjects(String namespace, ListRequest request) {
        return list(Space.OBJECT, namespace, request);
    }

    // ---- staging: PayloadStaging over the namespace's staged-payload map ----

    @Override
    public String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition) {
        return staging.stage(namespace, key, txn, body, precondition);
    }

    @Override
    public Content loadStaged(String namespace, String key, String txn) {
        return staging.loadStaged(namespace, key, txn);
    }

    @Override
    public String promote(String namespace, String key, String txn, Precondition headPrecondition) {
        return staging.promote(namespace, key, txn, headPrecondition);
    }

    @Override
    public void discard(String namespace, String key, String txn, Precondition precondition) {
        staging.discard(namespace, key, txn, precondition);
    }

    @Override
    public Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit) {
        return staging.listStaged(namespace, txnPrefix, startAfter, limit);
    }

    /** The staged-payload map of each namespace, addressed by validated staging paths. */
    private final class StagedPayloads implements StagedPayloadStore {
        @Override
        public String put(String namespace, String path, ReplayableBody body, Precondition precondition) {
            Precondition.required(precondition);
            ensureOpen();
            return MemoryBackend.this.put(Space.STATE, true, namespace, path, body.readAllBytes((int) MAX_BODY_BYTES),
                ObjectAttributes.DEFAULT, precondition);
        }

        @Override
        public Content get(String namespace, String path) {
            return content(lookup(Space.STATE, true, namespace, path));
        }

        @Override
        public void delete(String namespace, String path, Precondition precondition) {
            Precondition.required(precondition);
            ensureOpen();
            remove(Space.STATE, true, namespace, path, precondition);
        }

        @Override
        public Page<EntryInfo> list(String namespace, String startAfter, int limit) {
            return MemoryBackend.this.list(Space.STATE, true, namespace, new ListRequest("", startAfter, limit));
        }
    }

    // ---- namespaces, feed, lifecycle ----

    @Override
    public List<String> listNamespaces() {
        ensureOpen();
        List<String> names = new ArrayList<>();
        namespaces.forEach((name, ns) -> {
            if (!ns.isEmpty()) {
                names.add(name);
            }
        });
        names.sort(Names.KEY_ORDER);
        return names;
    }

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        ensureOpen();
        return feed.subscribe(namespace, prefix, listener);
    }

    @Override
    public void close() {
        closed = true;
        feed.close();
    }

    /** Same as {@link #close()}: nothing is ever pending. */
    @Override
    public void abort() {
        close();
    }

    @Override
    public String toString() {
        return "MemoryBackend{" + etagPrefix + "}";
    }

    // ---- internals ----

    private Entry read(Space space, String namespace, String key) {
        Names.key(key);
        return lookup(space, false, namespace, key);
    }

    /** Reads from a user space, or from the staged payloads when {@code staged}. */
    private Entry lookup(Space space, boolean staged, String namespace, String key) {
        ensureOpen();
        Names.namespace(namespace);
        Namespace ns = namespaces.get(namespace);
        Entry e = ns == null ? null : ns.map(space, staged).get(key);
        if (e == null) {
            throw new NotFoundException(space, namespace, key);
        }
        return e;
    }

    private static Content content(Entry e) {
        return new Content(e.info, new ByteArrayInputStream(e.body));
    }

    private void validate(String namespace, String key, Precondition precondition) {
        ensureOpen();
        Names.namespace(namespace);
        Names.key(key);
        Precondition.required(precondition);
    }

    private String put(Space space, String namespace, String key, byte[] body, ObjectAttributes attributes,
                       Precondition precondition) {
        return put(space, false, namespace, key, body, attributes, precondition);
    }

    private String put(Space space, boolean staged, String namespace, String key, byte[] body, ObjectAttributes attributes,
                       Precondition precondition) {
        Namespace ns = namespaces.computeIfAbsent(namespace, n -> new Namespace());
        lock(ns);
        try {
            ensureOpen();
            return install(ns, space, staged, namespace, key, body, attributes, precondition);
        } finally {
            ns.writeLock.unlock();
        }
    }

    /** Checks and installs under the namespace lock; staged payloads raise no change event. */
    private String install(Namespace ns, Space space, boolean staged, String namespace, String key, byte[] body,
                           ObjectAttributes attributes, Precondition precondition) {
        NavigableMap<String, Entry> map = ns.map(space, staged);
        Entry current = map.get(key);
        check(namespace, key, precondition, current);
        long seq = sequence.incrementAndGet();
        String etag = etagPrefix + Long.toHexString(seq);
        map.put(key, new Entry(body, new EntryInfo(key, etag, body.length, clock.instant(),
            attributes.contentType(), attributes.descriptor())));
        if (!staged && feed.hasSubscribers()) {
            feed.publish(new ChangeEvent(namespace, space, key, ChangeType.PUT, etag, seq));
        }
        return etag;
    }

    private void delete(Space space, String namespace, String key, Precondition precondition) {
        validate(namespace, key, precondition);
        remove(space, false, namespace, key, precondition);
    }

    private void remove(Space space, boolean staged, String namespace, String key, Precondition precondition) {
        Namespace ns = namespaces.get(namespace);
        if (ns == null) {
            check(namespace, key, precondition, null);
            return;
        }
        lock(ns);
        try {
            ensureOpen();
            NavigableMap<String, Entry> map = ns.map(space, staged);
            Entry current = map.get(key);
            check(namespace, key, precondition, current);
            if (current != null) {
                map.remove(key);
                long seq = sequence.incrementAndGet();
                if (!staged && feed.hasSubscribers()) {
                    feed.publish(new ChangeEvent(namespace, space, key, ChangeType.DELETE, null, seq));
                }
            }
        } finally {
            ns.writeLock.unlock();
        }
    }

    private static void check(String namespace, String key, Precondition precondition, Entry current) {
        String currentEtag = current == null ? null : current.info.etag();
        if (!precondition.isSatisfiedBy(currentEtag)) {
            throw new PreconditionFailedException(namespace, key, precondition, currentEtag);
        }
    }

    private Page<EntryInfo> list(Space space, String namespace, ListRequest request) {
        return list(space, false, namespace, request);
    }

    private Page<EntryInfo> list(Space space, boolean staged, String namespace, ListRequest request) {
        ensureOpen();
        Names.namespace(namespace);
        Names.prefix(request.prefix());
        Namespace ns = namespaces.get(namespace);
        if (ns == null) {
            return new Page<>(List.of(), false, null);
        }
        return Listings.page(ns.map(space, staged), request, (key, e) -> e.info);
    }

    private static void lock(Namespace ns) {
        try {
            ns.writeLock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw new InterruptedStorageException("waiting for the namespace write lock", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("memory backend");
        }
    }
}
