package dev.stowage;

/**
 * One page of a listing: keys that start with {@code prefix} and sort strictly after
 * {@code startAfter} (or from the first such key when it is {@code null}), at most {@code limit}
 * of them. Keys sort in ascending unsigned UTF-8 byte order ({@link Names#KEY_ORDER}).
 *
 * <p>To page through, pass the previous page's {@link Page#nextStartAfter()} as the next
 * {@code startAfter}. Entries inserted during paging after the current position appear on a later
 * page; none is repeated or skipped.
 *
 * @param prefix     key prefix; {@code ""} lists everything (plain string prefix, not a path)
 * @param startAfter exclusive lower bound, or {@code null}
 * @param limit      1 to {@link #MAX_LIMIT}
 */
public record ListRequest(String prefix, String startAfter, int limit) {
    /** Page size used by {@link #prefix(String)}. */
    public static final int DEFAULT_LIMIT = 1000;
    /** Largest page size a request may ask for. */
    public static final int MAX_LIMIT = 10_000;

    public ListRequest {
        if (prefix == null) {
            throw new InvalidRequestException("prefix must not be null; use \"\" to list everything");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidRequestException("limit " + limit + " outside 1.." + MAX_LIMIT);
        }
    }

    /** Everything, first page, default limit. */
    public static ListRequest all() {
        return new ListRequest("", null, DEFAULT_LIMIT);
    }

    /** Keys with this prefix, first page, default limit. */
    public static ListRequest prefix(String prefix) {
        return new ListRequest(prefix, null, DEFAULT_LIMIT);
    }

    public ListRequest withStartAfter(String startAfter) {
        return new ListRequest(prefix, startAfter, limit);
    }

    public ListRequest withLimit(int limit) {
        return new ListRequest(prefix, startAfter, limit);
    }

    /** Whether {@code key} belongs to this page's range, ignoring the limit. */
    public boolean admits(String key) {
        return key.startsWith(prefix) && (startAfter == null || Names.KEY_ORDER.compare(key, startAfter) > 0);
    }
}
