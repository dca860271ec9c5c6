package dev.stowage.crypto;

import dev.stowage.Backend;
import dev.stowage.conformance.BackendConformanceTest;
import dev.stowage.log.LogStore;
import dev.stowage.memory.MemoryBackend;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/** The conformance suite on encrypt(memory), with the smallest frames so bodies span many, and encrypt(disk). */
class EncryptingBackendConformanceTest {
    @TempDir
    Path dir;

    @Nested
    class OverMemory extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return EncryptingBackend.builder(new MemoryBackend())
                .keyProvider(TestKeys.ring())
                .frameSize(EncryptingBackend.MIN_FRAME_SIZE)
                .build();
        }
    }

    @Nested
    class OverLogStore extends BackendConformanceTest {
        @Override
        protected Backend openBackend() {
            return TestKeys.encrypt(LogStore.builder(dir.resolve("disk")).open());
        }
    }
}
