package dev.stowage.crypto;

import static dev.stowage.crypto.EncryptionContext.Kind.META;
import static dev.stowage.crypto.EncryptionContext.Kind.OBJECT;
import static dev.stowage.crypto.EncryptionContext.Kind.STATE;
import static dev.stowage.crypto.EnvelopeDescriptor.EMBEDDED_PREFIX_LENGTH;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.ListRequest;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.PreconditionFailedException;
import dev.stowage.ReplayableBody;
import java.io.ByteArrayInputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Root key rotation: moves the key envelopes of stored payloads to the key provider's current
 * root key without re-encrypting them. The frames are copied byte for byte; only the 100-byte
 * envelope changes (an object's descriptor, or the start of a meta document or state blob).
 * Each rewrite is a compare-and-swap on the version read, so a concurrent write (which already
 * uses the current root) is never overwritten; it is counted as {@link Outcome#CHANGED}.
 *
 * <p>Once a namespace reports nothing left to rewrap, and every state key has been passed to
 * {@link #state}, the old root key can be removed from the key provider.
 *
 * <p>Thread-safe; rewrites are as durable as the inner backend's writes.
 */
public final class Rewrapper {
    private static final Logger LOG = LoggerFactory.getLogger(Rewrapper.class);

    /** What happened to one entry. */
    public enum Outcome {
        /** Its envelope now uses the current root key. */
        REWRAPPED,
        /** It already used the current root key; nothing was written. */
        ALREADY_CURRENT,
        /** It was rewritten or removed concurrently (any new version uses the current root key). */
        CHANGED
    }

    /** Counts of a namespace pass. */
    public record Report(long rewrapped, long alreadyCurrent, long changed) {
        Report plus(Outcome outcome) {
            return new Report(rewrapped + (outcome == Outcome.REWRAPPED ? 1 : 0),
                alreadyCurrent + (outcome == Outcome.ALREADY_CURRENT ? 1 : 0),
                changed + (outcome == Outcome.CHANGED ? 1 : 0));
        }
    }

    private final Backend inner;
    private final EnvelopeEncryption encryption;

    /** A rewrapper for the store under {@code backend}, using its key provider's current root key. */
    public Rewrapper(EncryptingBackend backend) {
        this.inner = backend.delegate();
        this.encryption = backend.encryption();
    }

    /**
     * Rewraps every meta document and object of {@code namespace}. State keys cannot be listed
     * through the contract: pass each to {@link #state}.
     */
    public Report namespace(String namespace) {
        Report report = walk(request -> inner.listMeta(namespace, request), key -> meta(namespace, key), new Report(0, 0, 0));
        report = walk(request -> inner.listObjects(namespace, request), key -> object(namespace, key), report);
        LOG.info("rewrapped namespace {}: {}", namespace, report);
        return report;
    }

    /** Rewraps one meta document. */
    public Outcome meta(String namespace, String key) {
        EncryptionContext context = new EncryptionContext(META, namespace, key);
        try {
            Document stored = inner.readMeta(namespace, key);
            byte[] bytes = stored.toByteArray();
            byte[] prefix = encryption.rewrapEmbeddedPrefix(context, Arrays.copyOf(bytes, Math.min(bytes.length, EMBEDDED_PREFIX_LENGTH)));
            if (prefix == null) {
                return Outcome.ALREADY_CURRENT;
            }
            System.arraycopy(prefix, 0, bytes, 0, prefix.length);
            inner.storeMeta(namespace, key, bytes, Precondition.ifMatch(stored.etag()));
            return Outcome.REWRAPPED;
        } catch (NotFoundException | PreconditionFailedException e) {
            return Outcome.CHANGED;
        }
    }

    /** Rewraps one state blob. */
    public Outcome state(String namespace, String key) {
        EncryptionContext context = new EncryptionContext(STATE, namespace, key);
        try (Content stored = inner.readState(namespace, key)) {
            byte[] prefix = encryption.rewrapEmbeddedPrefix(context,
                EnvelopeEncryption.readFully(stored.stream(), EMBEDDED_PREFIX_LENGTH, context.location(), 0));
            if (prefix == null) {
                return Outcome.ALREADY_CURRENT;
            }
            ReplayableBody body = PinnedVersionBody.of(stored, EMBEDDED_PREFIX_LENGTH, stored.size(),
                () -> inner.readState(namespace, key), in -> new SequenceInputStream(new ByteArrayInputStream(prefix), in));
            inner.writeState(namespace, key, body, Precondition.ifMatch(stored.etag()));
            return Outcome.REWRAPPED;
        } catch (NotFoundException | PreconditionFailedException e) {
            return Outcome.CHANGED;
        }
    }

    /** Rewraps one object: the body is copied unchanged under a new descriptor. */
    public Outcome object(String namespace, String key) {
        EncryptionContext context = new EncryptionContext(OBJECT, namespace, key);
        try {
            EntryInfo head = inner.headObject(namespace, key);
            ObjectAttributes attributes = encryption.rewrapObject(context, head);
            if (attributes == null) {
                return Outcome.ALREADY_CURRENT;
            }
            try (Content stored = inner.getObject(namespace, key)) {
                if (!stored.etag().equals(head.etag())) {
                    return Outcome.CHANGED;
                }
                ReplayableBody body = PinnedVersionBody.of(stored, 0, stored.size(), () -> inner.getObject(namespace, key), in -> in);
                inner.putObject(namespace, key, body, attributes, Precondition.ifMatch(head.etag()));
            }
            return Outcome.REWRAPPED;
        } catch (NotFoundException | PreconditionFailedException e) {
            return Outcome.CHANGED;
        }
    }

    /** Rewraps every key of a listing, one page at a time. */
    private static Report walk(Function<ListRequest, Page<EntryInfo>> lister, Function<String, Outcome> rewrap, Report report) {
        ListRequest request = ListRequest.all();
        Page<EntryInfo> page;
        do {
            page = lister.apply(request);
            for (EntryInfo entry : page.items()) {
                report = report.plus(rewrap.apply(entry.key()));
            }
            request = request.withStartAfter(page.nextStartAfter());
        } while (page.truncated());
        return report;
    }
}
