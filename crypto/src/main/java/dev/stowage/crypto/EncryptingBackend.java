package dev.stowage.crypto;

import static dev.stowage.crypto.EncryptionContext.Kind.META;
import static dev.stowage.crypto.EncryptionContext.Kind.OBJECT;
import static dev.stowage.crypto.EncryptionContext.Kind.STATE;

import dev.stowage.Backend;
import dev.stowage.Capabilities;
import dev.stowage.Capability;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.ForwardingBackend;
import dev.stowage.InvalidRequestException;
import dev.stowage.ListRequest;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Operation;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.StagedEntry;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Transparent envelope encryption around any backend (DESIGN.md §6): meta documents, state blobs,
 * staged payloads and objects are sealed before they reach the inner backend and authenticated on
 * the way out; ETags, preconditions, listing and the change feed pass through unchanged.
 *
 * <p><b>Format</b> ({@link EnvelopeDescriptor}): AES-256-GCM frames of {@link Builder#frameSize}
 * bytes under a fresh random data key per written version; the data key wrapped by a one-time key
 * derived (HKDF-SHA256, fresh salt) from the provider's current root key. Everything is bound to
 * its kind, namespace and key, so ciphertext moved elsewhere fails with {@link IntegrityException};
 * so does any altered, reordered, dropped, duplicated or truncated frame. The key envelope of an
 * object is stored in its descriptor (readable by a HEAD, rewrapped without touching the body); a
 * meta document or state blob carries it at the start of its payload, since the contract stores
 * no attributes with them.
 *
 * <p><b>What changes for a caller</b>:
 * <ul>
 *   <li>{@link #capabilities()} are the inner backend's, with limits reduced by the encryption
 *       overhead and without {@link Capability#SERVER_SIDE_COPY}: {@link #copyObject} decrypts
 *       and re-encrypts through this process, because the copy is bound to its new key.</li>
 *   <li>An object's content type and descriptor are stored inside the encrypted descriptor; the
 *       inner backend sees {@link #ENCRYPTED_CONTENT_TYPE}. Together they may hold at most
 *       {@value ObjectDescriptor#MAX_CALLER_ATTRIBUTES_LENGTH} characters.</li>
 *   <li>{@link #listStaged} reads each listed entry's header to report plaintext sizes.</li>
 *   <li>A staged payload is sealed for the state of its key, so promote moves it unchanged.</li>
 *   <li>Skipping in a read stream ({@link InputStream#skip}) passes over whole frames without
 *       decrypting them: a ranged read decrypts only the frames it touches.</li>
 * </ul>
 *
 * <p>Thread-safety and durability: as the inner backend's.
 */
public final class EncryptingBackend extends ForwardingBackend {
    /** Content type the inner backend stores for every encrypted object. */
    public static final String ENCRYPTED_CONTENT_TYPE = "application/vnd.stowage.encrypted";
    /** Default plaintext bytes per frame: 64 KiB. */
    public static final int DEFAULT_FRAME_SIZE = 1 << 16;
    /** Smallest frame size accepted: 4 KiB. */
    public static final int MIN_FRAME_SIZE = 1 << EnvelopeDescriptor.MIN_FRAME_SHIFT;
    /** Largest frame size accepted: 16 MiB. */
    public static final int MAX_FRAME_SIZE = 1 << EnvelopeDescriptor.MAX_FRAME_SHIFT;

    private final EnvelopeEncryption encryption;
    private final Capabilities capabilities;
    private final AutoCloseable ownedKeyProvider;

    private EncryptingBackend(Builder builder) {
        super(builder.inner);
        int frameShift = Integer.numberOfTrailingZeros(builder.frameSize);
        this.encryption = new EnvelopeEncryption(builder.keys, frameShift, builder.random);
        this.ownedKeyProvider = builder.closeKeyProvider && builder.keys instanceof AutoCloseable
            ? (AutoCloseable) builder.keys : null;
        Capabilities inner = builder.inner.capabilities();
        EnumSet<Capability> features = inner.features().isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(inner.features());
        features.remove(Capability.SERVER_SIDE_COPY);
        long bodyOverhead = EnvelopeDescriptor.EMBEDDED_PREFIX_LENGTH
            + EnvelopeDescriptor.TAG_LENGTH * ((inner.maxBodyBytes() >>> frameShift) + 1);
        this.capabilities = Capabilities.of(features, inner.maxMetaBytes() - EnvelopeDescriptor.META_OVERHEAD,
            inner.maxBodyBytes() - bodyOverhead);
    }

    /** Starts a builder for an encrypting decorator of {@code inner}, which it will own. */
    public static Builder builder(Backend inner) {
        return new Builder(inner);
    }

    /**
     * Options, validated once by {@link #build()}.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private final Backend inner;
        private KeyProvider keys;
        private int frameSize = DEFAULT_FRAME_SIZE;
        private SecureRandom random;
        private boolean closeKeyProvider;

        private Builder(Backend inner) {
            this.inner = Objects.requireNonNull(inner, "inner");
        }

        /** Where root keys come from (required). */
        public Builder keyProvider(KeyProvider keys) {
            this.keys = keys;
            return this;
        }

        /**
         * Plaintext bytes per frame of new state blobs and objects: a power of two from
         * {@link #MIN_FRAME_SIZE} to {@link #MAX_FRAME_SIZE}, default {@link #DEFAULT_FRAME_SIZE}.
         * Each frame adds 16 bytes; a ranged read decrypts whole frames. Data written with
         * another frame size stays readable (the size is stored with it).
         */
        public Builder frameSize(int frameSize) {
            this.frameSize = frameSize;
            return this;
        }

        /**
         * Whether {@link EncryptingBackend#close()} and {@code abort()} also close the key provider
         * (an {@link AutoCloseable} one, such as a {@link KeyRing}, which zeroes its keys); default
         * {@code false}.
         */
        public Builder closeKeyProvider(boolean close) {
            this.closeKeyProvider = close;
            return this;
        }

        /** Source of data keys, salts and nonce prefixes; default a new {@link SecureRandom}. */
        public Builder random(SecureRandom random) {
            this.random = random;
            return this;
        }

        public EncryptingBackend build() {
            if (keys == null) {
                throw new InvalidRequestException("a key provider is required");
            }
            if (Integer.bitCount(frameSize) != 1 || frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE) {
                throw new InvalidRequestException("frame size must be a power of two from " + MIN_FRAME_SIZE + " to "
                    + MAX_FRAME_SIZE + ", not " + frameSize);
            }
            if (random == null) {
                random = new SecureRandom();
            }
            keys.current();
            return new EncryptingBackend(this);
        }
    }

    /** The codec, for {@link Rewrapper}. */
    EnvelopeEncryption encryption() {
        return encryption;
    }

    @Override
    protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
        return call.get();
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    // ------------------------------------------------------------------ meta

    @Override
    public Document readMeta(String namespace, String key) {
        Document stored = delegate().readMeta(namespace, key);
        byte[] plain = encryption.decryptDocument(new EncryptionContext(META, namespace, key), stored.toByteArray());
        return Document.wrap(plain, stored.etag());
    }

    @Override
    public String storeMeta(String namespace, String key, byte[] document, Precondition precondition) {
        Objects.requireNonNull(document, "document");
        if (document.length > capabilities.maxMetaBytes()) {
            throw new InvalidRequestException("meta document is " + document.length + " bytes; at most "
                + capabilities.maxMetaBytes() + " allowed (encrypted)");
        }
        byte[] sealed = encryption.encryptDocument(new EncryptionContext(META, namespace, key), document);
        return delegate().storeMeta(namespace, key, sealed, precondition);
    }

    @Override
    public Page<EntryInfo> listMeta(String namespace, ListRequest request) {
        Page<EntryInfo> stored = delegate().listMeta(namespace, request);
        List<EntryInfo> items = new ArrayList<>(stored.items().size());
        for (EntryInfo e : stored.items()) {
            long size = EnvelopeEncryption.documentSize(e.size(), new EncryptionContext(META, namespace, e.key()).location());
            items.add(new EntryInfo(e.key(), e.etag(), size, e.lastModified(), e.contentType(), e.descriptor()));
        }
        return new Page<>(items, stored.truncated(), stored.nextStartAfter());
    }

    // ------------------------------------------------------------------ state

    @Override
    public Content readState(String namespace, String key) {
        return encryption.decryptEmbedded(new EncryptionContext(STATE, namespace, key), delegate().readState(namespace, key));
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        return delegate().writeState(namespace, key, sealState(namespace, key, body), precondition);
    }

    private ReplayableBody sealState(String namespace, String key, ReplayableBody body) {
        requireBodyFits(body);
        return encryption.encryptEmbedded(new EncryptionContext(STATE, namespace, key), body);
    }

    private void requireBodyFits(ReplayableBody body) {
        if (body.length() > capabilities.maxBodyBytes()) {
            throw new InvalidRequestException("body is " + body.length() + " bytes; at most " + capabilities.maxBodyBytes()
                + " allowed (encrypted)");
        }
    }

    // ------------------------------------------------------------------ objects

    @Override
    public Content getObject(String namespace, String key) {
        return encryption.decryptObject(new EncryptionContext(OBJECT, namespace, key), delegate().getObject(namespace, key));
    }

    @Override
    public EntryInfo headObject(String namespace, String key) {
        return callerView(namespace, delegate().headObject(namespace, key));
    }

    private static EntryInfo callerView(String namespace, EntryInfo stored) {
        String location = new EncryptionContext(OBJECT, namespace, stored.key()).location();
        return ObjectDescriptor.parse(stored, location).callerView(stored, location);
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                            Precondition precondition) {
        Objects.requireNonNull(attributes, "attributes");
        requireBodyFits(body);
        EnvelopeEncryption.SealedObject sealed = encryption.encryptObject(new EncryptionContext(OBJECT, namespace, key), body, attributes);
        return delegate().putObject(namespace, key, sealed.body(), sealed.attributes(), precondition);
    }

    /**
     * Decrypts the source and encrypts it again for the target (the ciphertext is bound to its
     * key). If the inner backend replays the body, the source is reopened and must still be the
     * version first read; otherwise the copy fails rather than mixing two versions.
     */
    @Override
    public String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition) {
        Objects.requireNonNull(targetPrecondition, "targetPrecondition");
        Content source = getObject(namespace, sourceKey);
        try {
            ReplayableBody body = PinnedVersionBody.of(source, 0, source.size(), () -> getObject(namespace, sourceKey), in -> in);
            return putObject(namespace, targetKey, body, source.info().attributes(), targetPrecondition);
        } finally {
            source.close();
        }
    }

    @Override
    public Page<EntryInfo> listObjects(String namespace, ListRequest request) {
        Page<EntryInfo> stored = delegate().listObjects(namespace, request);
        List<EntryInfo> items = new ArrayList<>(stored.items().size());
        for (EntryInfo e : stored.items()) {
            items.add(callerView(namespace, e));
        }
        return new Page<>(items, stored.truncated(), stored.nextStartAfter());
    }

    // ------------------------------------------------------------------ staging

    @Override
    public String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition) {
        return stagingDelegate().stage(namespace, key, txn, sealState(namespace, key, body), precondition);
    }

    @Override
    public Content loadStaged(String namespace, String key, String txn) {
        return encryption.decryptEmbedded(new EncryptionContext(STATE, namespace, key),
            stagingDelegate().loadStaged(namespace, key, txn));
    }

    @Override
    public Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit) {
        Page<StagedEntry> stored = stagingDelegate().listStaged(namespace, txnPrefix, startAfter, limit);
        List<StagedEntry> items = new ArrayList<>(stored.items().size());
        for (StagedEntry e : stored.items()) {
            try (Content c = loadStaged(namespace, e.key(), e.txn())) {
                items.add(new StagedEntry(e.key(), e.txn(), e.etag(), c.size(), e.modified()));
            } catch (NotFoundException gone) {
                // discarded or promoted since it was listed: as if listed a moment later
            }
        }
        return new Page<>(items, stored.truncated(), stored.nextStartAfter());
    }

    @Override
    public void close() {
        try {
            super.close();
        } finally {
            closeKeyProvider();
        }
    }

    @Override
    public void abort() {
        try {
            super.abort();
        } finally {
            closeKeyProvider();
        }
    }

    private void closeKeyProvider() {
        if (ownedKeyProvider != null) {
            try {
                ownedKeyProvider.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the key provider failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "encrypt(" + delegate() + ")";
    }
}
