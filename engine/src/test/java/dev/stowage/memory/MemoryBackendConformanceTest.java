package dev.stowage.memory;

import dev.stowage.Backend;
import dev.stowage.conformance.BackendConformanceTest;

class MemoryBackendConformanceTest extends BackendConformanceTest {
    @Override
    protected Backend openBackend() {
        return new MemoryBackend();
    }
}
