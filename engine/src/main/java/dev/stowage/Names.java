package dev.stowage;

import java.util.Comparator;

/**
 * The one place where namespaces and keys are validated, and the one key order every backend
 * lists in. Invalid names are rejected with {@link InvalidRequestException}, never rewritten.
 *
 * <p><b>Namespaces</b>: 1 to {@value #MAX_NAMESPACE_LENGTH} characters of {@code [A-Za-z0-9._-]},
 * starting with a letter or digit (so never {@code .}, {@code ..} or a hidden name).
 *
 * <p><b>Keys</b>: 1 to {@value #MAX_KEY_BYTES} bytes of UTF-8, split by {@code /} into segments
 * that are each non-empty (no leading, trailing or doubled {@code /}), not {@code .} or
 * {@code ..}, and not the reserved {@value #STAGING_SEGMENT}. No control characters (C0, DEL,
 * C1, including NUL), no backslash (a path separator on some systems), no unpaired surrogate.
 * A valid key therefore can never address a file outside a store root or another namespace.
 *
 * <p>Stateless; thread-safe.
 */
public final class Names {
    /** Longest namespace, in characters. */
    public static final int MAX_NAMESPACE_LENGTH = 128;
    /** Longest key, in UTF-8 bytes (S3's object key limit, less room for a prefix). */
    public static final int MAX_KEY_BYTES = 900;
    /** Key segment reserved for staged writes ({@code <key>/.staging/<txn>}); refused in user keys. */
    public static final String STAGING_SEGMENT = ".staging";

    /**
     * Ascending unsigned UTF-8 byte order. Comparing code points gives the same order as comparing
     * UTF-8 bytes, unlike {@link String#compareTo}, which compares UTF-16 units and sorts
     * supplementary characters before {@code U+E000..U+FFFF}.
     */
    public static final Comparator<String> KEY_ORDER = Names::compareKeys;

    private Names() {
    }

    /**
     * Checks a namespace.
     *
     * @return {@code namespace}, unchanged
     * @throws InvalidRequestException naming the rule broken
     */
    public static String namespace(String namespace) {
        if (namespace == null || namespace.isEmpty()) {
            throw new InvalidRequestException("namespace must not be empty");
        }
        if (namespace.length() > MAX_NAMESPACE_LENGTH) {
            throw new InvalidRequestException("namespace is " + namespace.length() + " characters; at most "
                + MAX_NAMESPACE_LENGTH + " allowed");
        }
        for (int i = 0; i < namespace.length(); i++) {
            char c = namespace.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (i == 0 && !alnum) {
                throw new InvalidRequestException("namespace " + quote(namespace) + " must start with a letter or digit");
            }
            if (!alnum && c != '.' && c != '_' && c != '-') {
                throw new InvalidRequestException("namespace " + quote(namespace) + " has " + describe(c) + " at index " + i
                    + "; allowed are A-Z a-z 0-9 . _ -");
            }
        }
        return namespace;
    }

    /**
     * Checks a user key.
     *
     * @return {@code key}, unchanged
     * @throws InvalidRequestException naming the rule broken
     */
    public static String key(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidRequestException("key must not be empty");
        }
        int utf8Bytes = 0;
        int segmentStart = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                throw new InvalidRequestException("key " + quote(key) + " has control character " + describe(c) + " at index " + i);
            }
            if (c == '\\') {
                throw new InvalidRequestException("key " + quote(key) + " has a backslash at index " + i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                utf8Bytes += 4;
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                throw new InvalidRequestException("key " + quote(key) + " has an unpaired surrogate at index " + i);
            }
            utf8Bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            if (c == '/') {
                checkSegment(key, segmentStart, i);
                segmentStart = i + 1;
            }
        }
        checkSegment(key, segmentStart, key.length());
        if (utf8Bytes > MAX_KEY_BYTES) {
            throw new InvalidRequestException("key is " + utf8Bytes + " UTF-8 bytes; at most " + MAX_KEY_BYTES + " allowed");
        }
        return key;
    }

    /**
     * Checks a staging transaction id: a single valid key segment (no {@code /}).
     *
     * @return {@code txn}, unchanged
     * @throws InvalidRequestException naming the rule broken
     */
    public static String txn(String txn) {
        key(txn);
        if (txn.indexOf('/') >= 0) {
            throw new InvalidRequestException("transaction id " + quote(txn) + " must be a single segment without '/'");
        }
        return txn;
    }

    /** The internal key of a staged payload: {@code <key>/.staging/<txn>}. Both parts must be valid. */
    public static String stagingPath(String key, String txn) {
        return key(key) + "/" + STAGING_SEGMENT + "/" + txn(txn);
    }

    /**
     * Splits a staging path made by {@link #stagingPath} into key and transaction id.
     *
     * @return {@code {key, txn}}, or {@code null} if {@code path} is not a staging path
     */
    public static String[] splitStagingPath(String path) {
        int marker = path.lastIndexOf("/" + STAGING_SEGMENT + "/");
        if (marker <= 0) {
            return null;
        }
        String txn = path.substring(marker + STAGING_SEGMENT.length() + 2);
        String key = path.substring(0, marker);
        if (txn.isEmpty() || txn.indexOf('/') >= 0 || key.contains("/" + STAGING_SEGMENT + "/") || key.startsWith(STAGING_SEGMENT + "/")) {
            return null;
        }
        return new String[] {key, txn};
    }

    /**
     * Checks a key prefix for listing: any string that could begin a valid key, including
     * {@code ""}. Control characters and backslashes are refused; segment rules do not apply
     * because a prefix may end inside a segment.
     */
    public static String prefix(String prefix) {
        if (prefix == null) {
            throw new InvalidRequestException("prefix must not be null; use \"\" to list everything");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\\') {
                throw new InvalidRequestException("prefix " + quote(prefix) + " has " + describe(c) + " at index " + i);
            }
        }
        return prefix;
    }

    private static void checkSegment(String key, int start, int end) {
        int length = end - start;
        if (length == 0) {
            throw new InvalidRequestException("key " + quote(key) + " has an empty segment at index " + start
                + " (leading, trailing or doubled '/')");
        }
        if ((length == 1 && key.charAt(start) == '.') || (length == 2 && key.startsWith("..", start))) {
            throw new InvalidRequestException("key " + quote(key) + " has a '.' or '..' segment at index " + start);
        }
        if (length == STAGING_SEGMENT.length() && key.startsWith(STAGING_SEGMENT, start)) {
            throw new InvalidRequestException("key " + quote(key) + " uses the reserved segment " + STAGING_SEGMENT);
        }
    }

    /**
     * Code point order (= UTF-8 byte order). Below U+D800 it equals UTF-16 order, so the common
     * case compares chars; only where the first difference involves a surrogate or a char above it
     * are the code points at that position compared.
     */
    private static int compareKeys(String a, String b) {
        int common = Math.min(a.length(), b.length());
        for (int k = 0; k < common; k++) {
            char x = a.charAt(k);
            char y = b.charAt(k);
            if (x != y) {
                if (x < Character.MIN_SURROGATE && y < Character.MIN_SURROGATE) {
                    return x - y;
                }
                // The prefixes are equal, so a high surrogate just before starts both code points,
                // unless it stands alone in both (then the code points start here).
                int at = k > 0 && Character.isHighSurrogate(a.charAt(k - 1)) ? k - 1 : k;
                int ca = a.codePointAt(at);
                int cb = b.codePointAt(at);
                if (ca == cb) {
                    ca = a.codePointAt(k);
                    cb = b.codePointAt(k);
                }
                return Integer.compare(ca, cb);
            }
        }
        return a.length() - b.length();
    }

    private static String describe(char c) {
        return String.format("U+%04X", (int) c);
    }

    /** Quotes a name for a message, escaping anything unprintable so logs stay one line. */
    private static String quote(String s) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), 80) + 2).append('"');
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                out.append(describe(c));
            } else {
                out.append(c);
            }
        }
        return out.append(s.length() > 80 ? "...\"" : "\"").toString();
    }
}
