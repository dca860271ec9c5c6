package dev.stowage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.BiFunction;

/**
 * Cuts one {@link Page} out of a map sorted by {@link Names#KEY_ORDER}, for backends that keep
 * their keys in such a map. With a concurrent map (a {@code ConcurrentSkipListMap}) the page is
 * weakly consistent: entries present for the whole call are listed once, in order; concurrent
 * changes may or may not appear.
 *
 * <p>Stateless; thread-safe.
 */
public final class Listings {
    private Listings() {
    }

    /**
     * The page of {@code sorted} that {@code request} selects, each entry mapped by {@code item};
     * an entry {@code item} maps to {@code null} is left out (an entry removed while the page is
     * cut, for a backend whose map holds only keys).
     */
    public static <V, T> Page<T> page(NavigableMap<String, V> sorted, ListRequest request, BiFunction<String, V, T> item) {
        NavigableMap<String, V> tail = request.startAfter() != null
            && Names.KEY_ORDER.compare(request.startAfter(), request.prefix()) >= 0
            ? sorted.tailMap(request.startAfter(), false)
            : sorted.tailMap(request.prefix(), true);
        List<T> items = new ArrayList<>(Math.min(request.limit(), 64));
        String lastKey = null;
        for (Map.Entry<String, V> e : tail.entrySet()) {
            if (!e.getKey().startsWith(request.prefix())) {
                break;
            }
            if (items.size() == request.limit()) {
                return new Page<>(items, true, lastKey);
            }
            T mapped = item.apply(e.getKey(), e.getValue());
            if (mapped != null) {
                items.add(mapped);
                lastKey = e.getKey();
            }
        }
        return new Page<>(items, false, null);
    }
}
