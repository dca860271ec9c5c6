package dev.stowage.remote;

import dev.stowage.Backend;
import dev.stowage.Content;
import java.util.Random;

/** Bodies and reads shared by the remote backends' tests. */
public final class TestData {
    private TestData() {
    }

    /** {@code size} pseudo-random bytes, the same for the same size. */
    public static byte[] body(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    /** An object's whole body. */
    public static byte[] readObject(Backend backend, String namespace, String key) {
        try (Content c = backend.getObject(namespace, key)) {
            return c.readAllBytes();
        }
    }
}
