package dev.stowage.staging;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.InvalidRequestException;
import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.NotFoundException;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import dev.stowage.StagedEntry;
import dev.stowage.StagingBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staging over any backend: staged payloads in a {@link StagedPayloadStore}, promotion by
 * copy-then-conditional-write.
 *
 * <p><b>Promote</b> streams the staged payload into the head with
 * {@link Backend#writeState} under the head precondition (so the CAS is the backend's own), then
 * deletes the staged entry under {@code ifMatch(stagedEtag)}. A crash between the two leaves the
 * head promoted and the staged entry in place, where {@link #listStaged} finds it; promoting it
 * again under the head precondition then fails, and a sweeper discards it. If the staged entry is
 * replaced while being copied, the copy fails with {@link PreconditionFailedException} and the
 * head is not written.
 *
 * <p><b>Listing</b> reads {@link StagedPayloadStore#list}, which returns staging paths of every
 * depth of key nesting, and filters by transaction prefix. Its cost is that of listing the staged
 * payloads, which for a backend that keeps them among its objects is a scan of the namespace.
 *
 * <p>Thread-safe if the head backend and payload store are.
 */
public final class PayloadStaging implements StagingBackend {
    private static final Logger LOG = LoggerFactory.getLogger(PayloadStaging.class);

    private final Backend heads;
    private final StagedPayloadStore payloads;

    public PayloadStaging(Backend heads, StagedPayloadStore payloads) {
        this.heads = Objects.requireNonNull(heads, "heads");
        this.payloads = Objects.requireNonNull(payloads, "payloads");
    }

    @Override
    public String stage(String namespace, String key, String txn, ReplayableBody body, Precondition precondition) {
        return payloads.put(Names.namespace(namespace), Names.stagingPath(key, txn), body, precondition);
    }

    @Override
    public Content loadStaged(String namespace, String key, String txn) {
        return payloads.get(Names.namespace(namespace), Names.stagingPath(key, txn));
    }

    @Override
    public String promote(String namespace, String key, String txn, Precondition headPrecondition) {
        Names.namespace(namespace);
        String path = Names.stagingPath(key, txn);
        EntryInfo staged;
        try (Content content = payloads.get(namespace, path)) {
            staged = content.info();
        }
        String stagedEtag = staged.etag();
        ReplayableBody body = ReplayableBody.ofSupplier(staged.size(), () -> {
            Content content = payloads.get(namespace, path);
            if (!content.etag().equals(stagedEtag)) {
                content.close();
                throw new PreconditionFailedException(namespace, path, Precondition.ifMatch(stagedEtag), content.etag());
            }
            return content.stream();
        });
        String headEtag = heads.writeState(namespace, key, body, headPrecondition);
        try {
            payloads.delete(namespace, path, Precondition.ifMatch(stagedEtag));
        } catch (PreconditionFailedException | NotFoundException e) {
            // Restaged or discarded after the copy: the head is promoted; the newer entry stays.
            LOG.debug("staged entry {}/{} changed after promotion; left in place", namespace, path);
        }
        return headEtag;
    }

    @Override
    public void discard(String namespace, String key, String txn, Precondition precondition) {
        payloads.delete(Names.namespace(namespace), Names.stagingPath(key, txn), precondition);
    }

    @Override
    public Page<StagedEntry> listStaged(String namespace, String txnPrefix, String startAfter, int limit) {
        Names.namespace(namespace);
        Names.prefix(txnPrefix);
        if (txnPrefix.indexOf('/') >= 0) {
            throw new InvalidRequestException("transaction prefix must not contain '/'");
        }
        if (limit < 1 || limit > ListRequest.MAX_LIMIT) {
            throw new InvalidRequestException("limit " + limit + " outside 1.." + ListRequest.MAX_LIMIT);
        }
        List<StagedEntry> items = new ArrayList<>(Math.min(limit, 64));
        String cursor = startAfter;
        while (true) {
            Page<EntryInfo> page = payloads.list(namespace, cursor, ListRequest.DEFAULT_LIMIT);
            for (EntryInfo info : page.items()) {
                String[] keyAndTxn = Names.splitStagingPath(info.key());
                if (keyAndTxn == null || !keyAndTxn[1].startsWith(txnPrefix)) {
                    continue;
                }
                items.add(new StagedEntry(keyAndTxn[0], keyAndTxn[1], info.etag(), info.size(), info.lastModified()));
                if (items.size() == limit) {
                    return new Page<>(items, true, info.key());
                }
            }
            if (!page.truncated()) {
                return new Page<>(items, false, null);
            }
            cursor = page.nextStartAfter();
        }
    }
}
