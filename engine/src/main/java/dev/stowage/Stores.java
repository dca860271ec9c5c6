package dev.stowage;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Opens a backend from a URL such as {@code mem://}, {@code disk:///var/lib/app?durability=SYNC}
 * or {@code s3://127.0.0.1:9090/bucket/prefix?retry=true}. The scheme picks a
 * {@link BackendProvider}; query parameters are options of that provider or switch on
 * {@link WrapperProvider}s (encryption, retry, observability) in their fixed order.
 *
 * <p>An unknown scheme or option fails with {@link InvalidRequestException} naming the valid ones.
 * Thread-safe.
 */
public final class Stores {
    private Stores() {
    }

    /**
     * Opens the store at {@code url}; see the class comment. A bare {@code scheme://} (which
     * {@link URI} cannot parse) is read as {@code scheme:///}.
     */
    public static Backend open(String url) {
        try {
            return open(URI.create(url.endsWith("://") ? url + "/" : url));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("malformed store URL '" + url + "': " + e.getMessage(), e);
        }
    }

    /** Opens the store at {@code uri}; see the class comment. */
    public static Backend open(URI uri) {
        StoreLocation location = StoreLocation.parse(uri);
        TreeMap<String, BackendProvider> providers = new TreeMap<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Stores.class.getClassLoader())) {
            providers.put(p.scheme(), p);
        }
        BackendProvider provider = providers.get(location.scheme().toLowerCase(java.util.Locale.ROOT));
        if (provider == null) {
            throw new InvalidRequestException("unknown store scheme '" + location.scheme() + "'; available: "
                + String.join(", ", providers.keySet()) + " (add the module that provides it to the class path)");
        }
        List<WrapperProvider> wrappers = new ArrayList<>();
        ServiceLoader.load(WrapperProvider.class, Stores.class.getClassLoader()).forEach(wrappers::add);
        wrappers.sort(Comparator.comparingInt(WrapperProvider::order));

        TreeSet<String> valid = new TreeSet<>(provider.options());
        for (WrapperProvider w : wrappers) {
            valid.add(w.switchOption());
            valid.addAll(w.options());
        }
        for (String option : location.options().keySet()) {
            if (!valid.contains(option)) {
                throw new InvalidRequestException("unknown option '" + option + "' for " + provider.scheme()
                    + "://; valid options: " + String.join(", ", valid));
            }
        }

        List<WrapperProvider> enabled = new ArrayList<>();
        for (WrapperProvider w : wrappers) {
            if (w.enabled(location)) {
                enabled.add(w);
            } else {
                for (String option : w.options()) {
                    if (location.has(option)) {
                        throw new InvalidRequestException("option '" + option + "' needs " + w.switchOption() + "=true");
                    }
                }
            }
        }

        Backend backend = provider.open(location);
        try {
            for (WrapperProvider w : enabled) {
                backend = w.wrap(backend, location);
            }
            return backend;
        } catch (RuntimeException e) {
            backend.abort();
            throw e;
        }
    }
}
