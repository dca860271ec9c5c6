package dev.stowage;

import java.util.List;

/**
 * A page of listing results in ascending key order.
 *
 * @param items          the entries, at most the requested limit
 * @param truncated      whether more entries may follow
 * @param nextStartAfter the {@code startAfter} for the next page when truncated, otherwise {@code null}
 */
public record Page<T>(List<T> items, boolean truncated, String nextStartAfter) {
    public Page {
        items = List.copyOf(items);
        if (truncated != (nextStartAfter != null)) {
            throw new IllegalArgumentException("nextStartAfter must be set exactly when truncated");
        }
    }
}
