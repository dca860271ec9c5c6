package dev.stowage.conformance;

import dev.stowage.Backend;
import dev.stowage.Content;
import dev.stowage.Document;
import dev.stowage.EntryInfo;
import dev.stowage.ListRequest;
import dev.stowage.ObjectAttributes;
import dev.stowage.Page;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.Space;

/**
 * The common shape of the three key spaces (write whole, read whole, delete, list), so one
 * parameterized test covers the CAS rules of all of them.
 */
public enum SpaceOps {
    META(Space.META) {
        @Override
        public String write(Backend b, String ns, String key, byte[] bytes, Precondition p) {
            return b.storeMeta(ns, key, bytes, p);
        }

        @Override
        public Versioned read(Backend b, String ns, String key) {
            Document d = b.readMeta(ns, key);
            return new Versioned(d.toByteArray(), d.etag());
        }

        @Override
        public void delete(Backend b, String ns, String key, Precondition p) {
            b.deleteMeta(ns, key, p);
        }

        @Override
        public Page<EntryInfo> list(Backend b, String ns, ListRequest request) {
            return b.listMeta(ns, request);
        }
    },
    STATE(Space.STATE) {
        @Override
        public String write(Backend b, String ns, String key, byte[] bytes, Precondition p) {
            return b.writeState(ns, key, ReplayableBody.ofBytes(bytes), p);
        }

        @Override
        public Versioned read(Backend b, String ns, String key) {
            try (Content c = b.readState(ns, key)) {
                return new Versioned(c.readAllBytes(), c.etag());
            }
        }

        @Override
        public void delete(Backend b, String ns, String key, Precondition p) {
            b.removeState(ns, key, p);
        }

        @Override
        public Page<EntryInfo> list(Backend b, String ns, ListRequest request) {
            return null;
        }
    },
    OBJECT(Space.OBJECT) {
        @Override
        public String write(Backend b, String ns, String key, byte[] bytes, Precondition p) {
            return b.putObject(ns, key, ReplayableBody.ofBytes(bytes), ObjectAttributes.DEFAULT, p);
        }

        @Override
        public Versioned read(Backend b, String ns, String key) {
            try (Content c = b.getObject(ns, key)) {
                return new Versioned(c.readAllBytes(), c.etag());
            }
        }

        @Override
        public void delete(Backend b, String ns, String key, Precondition p) {
            b.deleteObject(ns, key, p);
        }

        @Override
        public Page<EntryInfo> list(Backend b, String ns, ListRequest request) {
            return b.listObjects(ns, request);
        }
    };

    /** Bytes and ETag of a version read back. */
    public record Versioned(byte[] bytes, String etag) {
    }

    private final Space space;

    SpaceOps(Space space) {
        this.space = space;
    }

    public Space space() {
        return space;
    }

    public abstract String write(Backend b, String ns, String key, byte[] bytes, Precondition p);

    public abstract Versioned read(Backend b, String ns, String key);

    public abstract void delete(Backend b, String ns, String key, Precondition p);

    /** A listing page, or {@code null} for a space that is not listable (state). */
    public abstract Page<EntryInfo> list(Backend b, String ns, ListRequest request);

    public boolean listable() {
        return this != STATE;
    }
}
