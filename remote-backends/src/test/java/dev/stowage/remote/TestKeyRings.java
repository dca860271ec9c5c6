package dev.stowage.remote;

import dev.stowage.crypto.KeyRing;
import dev.stowage.crypto.RootKey;
import java.util.Arrays;

/** A fixed root key for the encrypted remote conformance runs; never used outside tests. */
public final class TestKeyRings {
    private TestKeyRings() {
    }

    public static KeyRing fixed() {
        byte[] key = new byte[RootKey.KEY_LENGTH];
        Arrays.fill(key, (byte) 0x5a);
        return KeyRing.of(RootKey.of("remote-test", key));
    }
}
