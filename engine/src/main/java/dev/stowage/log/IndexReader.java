package dev.stowage.log;

import dev.stowage.ClosedException;
import dev.stowage.Content;
import dev.stowage.CorruptionException;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.InvalidRequestException;
import dev.stowage.ListRequest;
import dev.stowage.Names;
import dev.stowage.NotFoundException;
import dev.stowage.Page;
import dev.stowage.Space;
import java.time.Instant;
import java.util.List;

/**
 * The read side of a logstore: lookups, streams, zero-copy views and listings served from an
 * index and the segment mappings it points into. Shared by the writer ({@link LogStore}) and
 * read-only followers ({@link LogFollower}), which keep their own index of the same files.
 *
 * <p>A version moved by compaction is found again: a reader whose entry's segment was released
 * between lookup and use (or whose blob was reclaimed) looks the key up once more.
 *
 * <p>Thread-safety: every method may be called from any thread.
 */
final class IndexReader {
    private final LogIndex index;
    private final BlobStore blobs;
    private final String etagPrefix;
    private final String name;
    private final Runnable ensureOpen;

    /**
     * @param etagPrefix the store id and a dash: ETags are the prefix and the LSN in hex
     * @param name       how errors name the store
     * @param ensureOpen throws {@link ClosedException} once the owner is closed
     */
    IndexReader(LogIndex index, BlobStore blobs, String etagPrefix, String name, Runnable ensureOpen) {
        this.index = index;
        this.blobs = blobs;
        this.etagPrefix = etagPrefix;
        this.name = name;
        this.ensureOpen = ensureOpen;
    }

    /** A staged payload by its validated staging path. */
    Content readStaged(String namespace, String path) {
        return content(Space.STATE, RecordDescriptor.SPACE_STAGED, namespace, path);
    }

    /** Staged payloads in staging-path order. */
    Page<EntryInfo> listStaged(String namespace, String startAfter, int limit) {
        return list(RecordDescriptor.SPACE_STAGED, namespace, new ListRequest("", startAfter, limit));
    }

    Document readMeta(String namespace, String key) {
        Names.key(key);
        while (true) {
            IndexEntry e = lookup(Space.META, RecordDescriptor.SPACE_META, namespace, key);
            if (checked(Space.META, RecordDescriptor.SPACE_META, namespace, key, e)) {
                return Document.wrap(e.metaValue, etag(e.lsn));
            }
        }
    }

    Content readState(String namespace, String key) {
        return content(Space.STATE, RecordDescriptor.SPACE_STATE, namespace, Names.key(key));
    }

    Content getObject(String namespace, String key) {
        return content(Space.OBJECT, RecordDescriptor.SPACE_OBJECT, namespace, Names.key(key));
    }

    EntryInfo headObject(String namespace, String key) {
        return info(Names.key(key), lookup(Space.OBJECT, RecordDescriptor.SPACE_OBJECT, namespace, key));
    }

    Page<EntryInfo> listMeta(String namespace, ListRequest request) {
        return list(RecordDescriptor.SPACE_META, namespace, request);
    }

    Page<EntryInfo> listObjects(String namespace, ListRequest request) {
        return list(RecordDescriptor.SPACE_OBJECT, namespace, request);
    }

    List<String> listNamespaces() {
        ensureOpen.run();
        return index.namespaces();
    }

    private IndexEntry lookup(Space space, byte code, String namespace, String key) {
        ensureOpen.run();
        Names.namespace(namespace);
        IndexEntry e = index.get(namespace, code, key);
        if (e == null) {
            throw new NotFoundException(space, namespace, key);
        }
        return e;
    }

    /**
     * The state blob of a key in place in the mapping, without a copy (see {@link ValueView}).
     *
     * @throws NotFoundException if absent
     */
    ValueView viewState(String namespace, String key) {
        return view(Space.STATE, RecordDescriptor.SPACE_STATE, namespace, Names.key(key));
    }

    /**
     * An object's body in place in the mapping, without a copy (see {@link ValueView}).
     *
     * @throws NotFoundException if absent
     */
    ValueView viewObject(String namespace, String key) {
        return view(Space.OBJECT, RecordDescriptor.SPACE_OBJECT, namespace, Names.key(key));
    }

    private ValueView view(Space space, byte code, String namespace, String key) {
        while (true) {
            IndexEntry e = lookup(space, code, namespace, key);
            if (e instanceof BlobEntry) {
                throw new InvalidRequestException("value of " + e.size() + " bytes is stored out of line; stream it with readState/getObject");
            }
            if (retained(space, code, namespace, key, e)) {
                return new ValueView(e.segment, e.valueOffset, e.valueLength, etag(e.lsn));
            }
        }
    }

    private Content content(Space space, byte code, String namespace, String key) {
        while (true) {
            IndexEntry e = lookup(space, code, namespace, key);
            if (e instanceof BlobEntry) {
                BlobEntry blob = (BlobEntry) e;
                if (!checked(space, code, namespace, key, e)) {
                    continue;
                }
                try {
                    return new Content(info(key, e), blobs.open(blob.blobId, blob.blobLength, blob.blobCrc));
                } catch (CorruptionException missing) {
                    if (e.sameVersion(index.get(namespace, code, key))) {
                        throw missing;
                    }
                    continue; // superseded, and its blob reclaimed, since the lookup: read the newer version
                }
            }
            if (retained(space, code, namespace, key, e)) {
                return new Content(info(key, e), new SegmentInputStream(e.segment, e.valueOffset, e.valueLength));
            }
        }
    }

    /**
     * Takes a reader's reference on {@code e}'s segment and checks the record's CRC if no one has
     * yet ({@link IndexEntry#checkCrc}). False when compaction released the segment since the
     * lookup (the version then lives elsewhere or was superseded: look again).
     */
    private boolean retained(Space space, byte code, String namespace, String key, IndexEntry e) {
        if (e.segment.retain()) {
            try {
                e.checkCrc();
            } catch (CorruptionException corrupt) {
                e.segment.release();
                throw corrupt;
            }
            return true;
        }
        ensureOpen.run();
        if (e.sameVersion(index.get(namespace, code, key))) {
            throw new ClosedException(name);
        }
        return false;
    }

    /**
     * Makes sure {@code e}'s record passed its CRC check before a value held outside the segment
     * (a meta document, a blob reference) is served; as {@link #retained}, false when the segment
     * was released since the lookup.
     */
    private boolean checked(Space space, byte code, String namespace, String key, IndexEntry e) {
        if (!e.crcUnchecked) {
            return true;
        }
        if (!retained(space, code, namespace, key, e)) {
            return false;
        }
        e.segment.release();
        return true;
    }

    private EntryInfo info(String key, IndexEntry e) {
        return new EntryInfo(key, etag(e.lsn), e.size(), Instant.ofEpochMilli(e.timestampMillis),
            e.attributes.contentType(), e.attributes.descriptor());
    }

    private Page<EntryInfo> list(byte space, String namespace, ListRequest request) {
        ensureOpen.run();
        Names.namespace(namespace);
        Names.prefix(request.prefix());
        return index.list(namespace, space, request, this::info);
    }

    String etag(long lsn) {
        return etagPrefix + Long.toHexString(lsn);
    }

    /** The LSN an ETag of this store names, or -1 for any other string. */
    long lsnOf(String etag) {
        if (etag == null || !etag.startsWith(etagPrefix)) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(etag.substring(etagPrefix.length()), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
