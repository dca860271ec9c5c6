package dev.stowage.crypto;

import dev.stowage.Backend;

/** Fixed root keys for tests; never used outside them. */
final class TestKeys {
    static final RootKey OLD = RootKey.of("root-2025", filled(0x11));
    static final RootKey CURRENT = RootKey.of("root-2026", filled(0x22));

    private TestKeys() {
    }

    static byte[] filled(int value) {
        byte[] b = new byte[RootKey.KEY_LENGTH];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    static KeyRing ring() {
        return KeyRing.of(OLD, CURRENT);
    }

    static EncryptingBackend encrypt(Backend inner) {
        return EncryptingBackend.builder(inner).keyProvider(ring()).build();
    }
}
