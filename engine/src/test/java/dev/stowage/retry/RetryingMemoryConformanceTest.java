package dev.stowage.retry;

import dev.stowage.Backend;
import dev.stowage.Stores;
import dev.stowage.conformance.BackendConformanceTest;

/** retry(memory), opened the way users open it: through a store URL. */
class RetryingMemoryConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend openBackend() {
        return Stores.open("mem://?retry=true&retry.maxAttempts=3");
    }
}
