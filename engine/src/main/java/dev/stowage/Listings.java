package dev.stowage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.function.BiFunction;
import java.util.function.Function;

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

    /** Keys in {@link Names#KEY_ORDER} from a starting point on: a sorted key set that is not a {@link NavigableMap}. */
    @FunctionalInterface
    public interface SortedKeys {
        /** The keys from {@code key} on ({@code inclusive}) or strictly after it, ascending. */
        Iterator<String> keysFrom(String key, boolean inclusive);
    }

    /**
     * The page of {@code sorted} that {@code request} selects, each entry mapped by {@code item};
     * an entry {@code item} maps to {@code null} is left out (an entry removed while the page is
     * cut, for a backend whose map holds only keys).
     */
    public static <V, T> Page<T> page(NavigableMap<String, V> sorted, ListRequest request, BiFunction<String, V, T> item) {
        boolean after = startsAfter(request);
        Iterator<Map.Entry<String, V>> tail = sorted.tailMap(after ? request.startAfter() : request.prefix(), !after)
            .entrySet().iterator();
        return cut(tail, Map.Entry::getKey, request, e -> item.apply(e.getKey(), e.getValue()));
    }

    /** As {@link #page(NavigableMap, ListRequest, BiFunction)}, over keys only: {@code item} looks each one up. */
    public static <T> Page<T> page(SortedKeys sorted, ListRequest request, Function<String, T> item) {
        boolean after = startsAfter(request);
        return cut(sorted.keysFrom(after ? request.startAfter() : request.prefix(), !after), Function.identity(), request, item);
    }

    /** Whether the page starts strictly after {@code startAfter} rather than at the prefix. */
    private static boolean startsAfter(ListRequest request) {
        return request.startAfter() != null && Names.KEY_ORDER.compare(request.startAfter(), request.prefix()) >= 0;
    }

    private static <E, T> Page<T> cut(Iterator<E> tail, Function<E, String> keyOf, ListRequest request, Function<E, T> item) {
        List<T> items = new ArrayList<>(Math.min(request.limit(), 64));
        String lastKey = null;
        while (tail.hasNext()) {
            E e = tail.next();
            String key = keyOf.apply(e);
            if (!key.startsWith(request.prefix())) {
                break;
            }
            if (items.size() == request.limit()) {
                return new Page<>(items, true, lastKey);
            }
            T mapped = item.apply(e);
            if (mapped != null) {
                items.add(mapped);
                lastKey = key;
            }
        }
        return new Page<>(items, false, null);
    }
}
