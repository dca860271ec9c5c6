package dev.stowage.observe;

import dev.stowage.Backend;
import dev.stowage.Stores;
import dev.stowage.conformance.BackendConformanceTest;

/** observe(retry(memory)): the full wrapper stack in its fixed order. */
class ObservedMemoryConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend openBackend() {
        return Stores.open("mem://?observe=true&retry=true");
    }
}
