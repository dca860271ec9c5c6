package dev.stowage;

import java.time.Instant;
import java.util.Objects;

/**
 * What is known about a stored entry without reading its body: returned by listings,
 * {@link Backend#headObject} and with every {@link Content}.
 *
 * @param key          the entry's key
 * @param etag         opaque version tag, changed by every successful write
 * @param size         body length in bytes
 * @param lastModified when the write that produced this version was accepted
 * @param contentType  media type; {@link ObjectAttributes#DEFAULT_CONTENT_TYPE} where none was given
 * @param descriptor   opaque descriptor stored beside the body (used by the crypto layer), or {@code null}
 */
public record EntryInfo(String key, String etag, long size, Instant lastModified, String contentType, String descriptor) {
    public EntryInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        Objects.requireNonNull(contentType, "contentType");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }

    /** The attributes this entry was written with. */
    public ObjectAttributes attributes() {
        return new ObjectAttributes(contentType, descriptor);
    }
}
