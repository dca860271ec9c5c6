package dev.stowage;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Base of decorators that act around every call in the same way: each method funnels through
 * {@link #invoke(Operation, String, String, Supplier)}, so a wrapper overrides one method, not
 * twenty. Capabilities pass through unchanged; {@link #close()} and {@link #abort()} reach the
 * wrapped backend. Staging calls reach the wrapped backend's own {@link StagingBackend}, or fail
 * with {@link UnsupportedOperationException} when it has none (as its capabilities say).
 *
 * <p>Thread-safety: as thread-safe as the wrapped backend and the subclass's {@code invoke}.
 */
public abstract class ForwardingBackend implements Backend, StagingBackend {
    protected final Backend delegate;

    protected ForwardingBackend(Backend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Runs one call of the wrapped backend.
     *
     * @param operation which call
     * @param namespace its namespace, or {@code null} for {@link Operation#LIST_NAMESPACES}
     * @param key       its key (the target key of a copy, the prefix of a listing or subscription),
     *                  or {@code null}
     * @param call      performs the call on {@link #delegate}; may be invoked more than once
     */
    protected abstract <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call);

    /** The wrapped backend; every forwarded call goes through this method. */
    public Backend delegate() {
        return delegate;
    }

    @Override
    public Capabilities capabilities() {
        return delegate().capabilities();
    }

    @Override
    public Document readMeta(String namespace, String key) {
        return invoke(Operation.READ_META, namespace, key, () -> delegate().readMeta(namespace, key));
    }

    @Override
    public String storeMeta(String namespace, String key, byte[] document, Precondition precondition) {
        return invoke(Operation.STORE_META, namespace, key, () -> delegate().storeMeta(namespace, key, document, precondition));
    }

    @Override
    public void deleteMeta(String namespace, String key, Precondition precondition) {
        invoke(Operation.DELETE_META, namespace, key, () -> {
            delegate().deleteMeta(namespace, key, precondition);
            return null;
        });
    }

    @Override
    public Page<EntryInfo> listMeta(String namespace, ListRequest request) {
        return invoke(Operation.LIST_META, namespace, request.prefix(), () -> delegate().listMeta(namespace, request));
    }

    @Override
    public Content readState(String namespace, String key) {
        return invoke(Operation.READ_STATE, namespace, key, () -> delegate().readState(namespace, key));
    }

    @Override
    public String writeState(String namespace, String key, ReplayableBody body, Precondition precondition) {
        return invoke(Operation.WRITE_STATE, namespace, key, () -> delegate().writeState(namespace, key, body, precondition));
    }

    @Override
    public void removeState(String namespace, String key, Precondition precondition) {
        invoke(Operation.REMOVE_STATE, namespace, key, () -> {
            delegate().removeState(namespace, key, precondition);
            return null;
        });
    }

    @Override
    public Content getObject(String namespace, String key) {
        return invoke(Operation.GET_OBJECT, namespace, key, () -> delegate().getObject(namespace, key));
    }

    @Override
    public EntryInfo headObject(String namespace, String key) {
        return invoke(Operation.HEAD_OBJECT, namespace, key, () -> delegate().headObject(namespace, key));
    }

    @Override
    public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes,
                            Precondition precondition) {
        return invoke(Operation.PUT_OBJECT, namespace, key,
            () -> delegate().putObject(namespace, key, body, attributes, precondition));
    }

    @Override
    public void deleteObject(String namespace, String key, Precondition precondition) {
        invoke(Operation.DELETE_OBJECT, namespace, key, () -> {
            delegate().deleteObject(namespace, key, precondition);
            return null;
        });
    }

    @Override
    public String copyObject(String namespace, String sourceKey, String targetKey, Precondition targetPrecondition) {
        return invoke(Operation.COPY_OBJECT, namespace, targetKey,
            () -> delegate().copyObject(namespace, sourceKey, targetKey, targetPrecondition));
    }

    @Override
    public Page<EntryInfo> listObjects(String namespace, ListRequest request) {
        return invoke(Operation.LIST_OBJECTS, namespace, request.prefix(), () -> delegate().listObjects(namespace, request));
    }

    @Override
    public List<String> listNamespaces() {
        return invoke(Operation.LIST_NAMESPACES, null, null, () -> delegate().listNamespaces());
    }

    @Override
    public Subscription subscribe(String namespace, String prefix, ChangeListener listener) {
        return invoke(Operation.SUBSCRIBE, namespace, prefix, () -> delegate().subscribe(namespace, prefix, listener));
    }

    protected StagingBackend stagingDelegate() {
        if (delegate() instanceof StagingBackend) {
            return (StagingBackend) delegate();
        }
        throw new UnsupportedOperationException(delegate() + " does not support staging");
    }

    @Override
    public String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition) {
        return invoke(Operation.STAGE, namespace, key, () -> stagingDelegate().stage(namespace, key, txn, body, precondition));
    }

    @Override
    public Content loadStaged(String namespace, String key, String txn) {
        return invoke(Operation.LOAD_STAGED, namespace, key, () -> stagingDelegate().loadStaged(namespace, key, txn));
    }

    @Override
    public String promote(String namespace, String key, String txn, Precondition headPrecondition) {
        return invoke(Operation.PROMOTE, namespace, key, () -> stagingDelegate().promote(namespace, key, txn, headPrecondition));
    }

    @Override
    public void discard(String namespace, String key, String txn, Precondition precondition) {
        invoke(Operation.DISCARD, namespace, key, () -> {
            stagingDelegate().discard(namespace, key, txn, precondition);
            return null;
        });
    }

    @Override
    public Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit) {
        return invoke(Operation.LIST_STAGED, namespace, txnPrefix,
            () -> stagingDelegate().listStaged(namespace, txnPrefix, startAfter, limit));
    }

    @Override
    public void close() {
        delegate().close();
    }

    @Override
    public void abort() {
        delegate().abort();
    }
}
