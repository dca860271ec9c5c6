package dev.stowage.remote;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.stowage.InvalidRequestException;
import dev.stowage.Names;
import dev.stowage.Space;

/**
 * Where entries live in a bucket or container, for every remote backend: {@code <prefix>/<namespace>/meta/<key>},
 * {@code .../state/<key>}, {@code .../objects/<key>} and staged payloads under
 * {@code .../staging/<key>/.staging/<txn>}. Keys are stored as they are (S3 keys are
 * UTF-8 and both services list in byte order, which is {@link Names#KEY_ORDER}), so a listing by
 * prefix is one service listing by prefix.
 *
 * <p>Immutable; thread-safe.
 */
public final class KeyLayout {
    /** Longest object (S3) or blob (Azure) name, in UTF-8 bytes. */
    public static final int MAX_OBJECT_KEY_BYTES = 1024;

    private final String prefix;

    /** @param prefix the store's prefix inside the bucket, without leading or trailing slash; may be empty */
    public KeyLayout(String prefix) {
        this.prefix = prefix.isEmpty() ? "" : prefix + "/";
    }

    public String prefix() {
        return prefix;
    }

    public static String spaceDirectory(Space space) {
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
    public RemoteEntry entry(Space space, String namespace, String key) {
        Names.namespace(namespace);
        Names.key(key);
        return checked(new RemoteEntry(space, namespace, key, spacePrefix(space, namespace) + key));
    }

    private static RemoteEntry checked(RemoteEntry entry) {
        int bytes = entry.objectKey().getBytes(UTF_8).length;
        if (bytes > MAX_OBJECT_KEY_BYTES) {
            throw new InvalidRequestException("prefix, namespace and key together are " + bytes
                + " UTF-8 bytes; the service allows " + MAX_OBJECT_KEY_BYTES);
        }
        return entry;
    }

    /**
     * Whether no key can start with {@code prefix}: an unpaired surrogate has no UTF-8 form, so it
     * matches nothing (and services reject it in a request).
     */
    public static boolean matchesNothing(String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < prefix.length() && Character.isLowSurrogate(prefix.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The object holding a staged payload, {@code <prefix>/<namespace>/staging/<key>/.staging/<txn>};
     * {@code path} was validated by {@link Names#stagingPath}.
     */
    public RemoteEntry staged(String namespace, String path) {
        Names.namespace(namespace);
        return checked(new RemoteEntry(Space.STATE, namespace, path, stagingPrefix(namespace) + path));
    }

    /** The common prefix of every staged payload of a namespace. */
    public String stagingPrefix(String namespace) {
        return prefix + namespace + "/staging/";
    }

    /** The common prefix of every object of one space of a namespace. */
    public String spacePrefix(Space space, String namespace) {
        return prefix + namespace + "/" + spaceDirectory(space);
    }
}
