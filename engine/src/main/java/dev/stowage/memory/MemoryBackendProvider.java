package dev.stowage.memory;

import dev.stowage.Backend;
import dev.stowage.BackendProvider;
import dev.stowage.InvalidRequestException;
import dev.stowage.StoreLocation;
import java.util.Set;

/**
 * Opens {@code mem://} stores: a new, empty {@link MemoryBackend} per call. The URL takes no host,
 * path or options of its own.
 */
public final class MemoryBackendProvider implements BackendProvider {
    @Override
    public String scheme() {
        return "mem";
    }

    @Override
    public Set<String> options() {
        return Set.of();
    }

    @Override
    public Backend open(StoreLocation location) {
        String path = location.uri().getPath();
        if (location.uri().getHost() != null || (path != null && !path.isEmpty() && !path.equals("/"))) {
            throw new InvalidRequestException("mem:// takes no host or path: " + location);
        }
        return new MemoryBackend();
    }
}
