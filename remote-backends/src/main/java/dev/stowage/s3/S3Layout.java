package dev.stowage.s3;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.stowage.InvalidRequestException;
import dev.stowage.Names;
import dev.stowage.Space;

/**
 * Where entries live in the bucket: {@code <prefix>/<namespace>/meta/<key>},
 * {@code .../state/<key>} and {@code .../objects/<key>}. Keys are stored as they are (S3 keys are
 * UTF-8 and list in byte order, which is {@link Names#KEY_ORDER}), so a listing by prefix is one
 * S3 listing by prefix.
 *
 * <p>Immutable; thread-safe.
 */
final class S3Layout {
    /** S3's longest object key, in UTF-8 bytes. */
    static final int MAX_OBJECT_KEY_BYTES = 1024;

    private final String prefix;

    /** @param prefix the store's prefix inside the bucket, without leading or trailing slash; may be empty */
    S3Layout(String prefix) {
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    }

    String prefix() {
        return prefix;
    }

    static String spaceDirectory(Space space) {
        switch (space) {
            case META:
                return "meta/";
            case STATE:
                return "state/";
            default:
                return "objects/";
        }
    }

    /** Validates names and returns the entry's object. */
    S3Entry entry(Space space, String namespace, String key) {
        Names.namespace(namespace);
        Names.key(key);
        String objectKey = spacePrefix(space, namespace) + key;
        int bytes = objectKey.getBytes(UTF_8).length;
        if (bytes > MAX_OBJECT_KEY_BYTES) {
            throw new InvalidRequestException("prefix, namespace and key together are " + bytes
                + " UTF-8 bytes; S3 allows " + MAX_OBJECT_KEY_BYTES);
        }
        return new S3Entry(space, namespace, key, objectKey);
    }

    /** The common prefix of every object of one space of a namespace. */
    String spacePrefix(Space space, String namespace) {
        return prefix + namespace + "/" + spaceDirectory(space);
    }
}
