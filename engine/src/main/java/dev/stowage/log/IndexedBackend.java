package dev.stowage.log;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.ListRequest;
import dev.stowage.NotFoundException;
import dev.stowage.Page;
import java.util.List;

/**
 * The reads every logstore view serves the same way, from its own index over the segment files
 * ({@link IndexReader}): the writer ({@link LogStore}) and a follower ({@link LogFollower}).
 *
 * <p>Thread-safety: the reads may be called from any thread.
 */
abstract class IndexedBackend implements Backend {
    /** The index reader of this store or follower. */
    abstract IndexReader reader();

    @Override
    public Document readMeta(String namespace, String key) {
        return reader().readMeta(namespace, key);
    }

    @Override
    public Content readState(String namespace, String key) {
        return reader().readState(namespace, key);
    }

    @Override
    public Content getObject(String namespace, String key) {
        return reader().getObject(namespace, key);
    }

    @Override
    public EntryInfo headObject(String namespace, String key) {
        return reader().headObject(namespace, key);
    }

    @Override
    public Page<EntryInfo> listMeta(String namespace, ListRequest request) {
        return reader().listMeta(namespace, request);
    }

    @Override
    public Page<EntryInfo> listObjects(String namespace, ListRequest request) {
        return reader().listObjects(namespace, request);
    }

    @Override
    public List<String> listNamespaces() {
        return reader().listNamespaces();
    }

    /**
     * The state blob of a key in place in the mapping, without a copy (see {@link ValueView}).
     *
     * @throws NotFoundException if absent
     */
    public ValueView viewState(String namespace, String key) {
        return reader().viewState(namespace, key);
    }

    /**
     * An object's body in place in the mapping, without a copy (see {@link ValueView}).
     *
     * @throws NotFoundException if absent
     */
    public ValueView viewObject(String namespace, String key) {
        return reader().viewObject(namespace, key);
    }
}
