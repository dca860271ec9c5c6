package dev.stowage.crypto;

import dev.stowage.Backend;
import dev.stowage.InvalidRequestException;
import dev.stowage.StoreLocation;
import dev.stowage.WrapperProvider;
import java.nio.file.Path;
import java.util.Set;

/**
 * Switches on {@link EncryptingBackend} from a store URL: {@code encrypt=keyfile:/path/to/keys}
 * or {@code encrypt=env:VARIABLE} (the {@link KeyRing} text format either way), tuned by
 * {@code encrypt.frameSize} (bytes). Without this module on the class path, a URL asking for
 * encryption is refused as an unknown option, never opened unencrypted. Closing the store
 * zeroes the keys it loaded.
 */
public final class EncryptWrapperProvider implements WrapperProvider {
    /** The switch option; its value says where the root keys are. */
    public static final String ENCRYPT = "encrypt";
    /** Plaintext bytes per frame; see {@link EncryptingBackend.Builder#frameSize}. */
    public static final String FRAME_SIZE = "encrypt.frameSize";

    private static final String KEY_FILE = "keyfile:";
    private static final String ENVIRONMENT = "env:";

    @Override
    public String switchOption() {
        return ENCRYPT;
    }

    @Override
    public Set<String> options() {
        return Set.of(FRAME_SIZE);
    }

    @Override
    public int order() {
        return ORDER_ENCRYPT;
    }

    @Override
    public boolean enabled(StoreLocation location) {
        return location.has(ENCRYPT);
    }

    @Override
    public Backend wrap(Backend inner, StoreLocation location) {
        KeyRing keys = keyRing(location.string(ENCRYPT, ""));
        try {
            return EncryptingBackend.builder(inner)
                .keyProvider(keys)
                .closeKeyProvider(true)
                .frameSize((int) location.number(FRAME_SIZE, EncryptingBackend.DEFAULT_FRAME_SIZE,
                    EncryptingBackend.MIN_FRAME_SIZE, EncryptingBackend.MAX_FRAME_SIZE))
                .build();
        } catch (RuntimeException e) {
            keys.close();
            throw e;
        }
    }

    private static KeyRing keyRing(String source) {
        if (source.startsWith(KEY_FILE)) {
            return KeyRing.fromFile(Path.of(source.substring(KEY_FILE.length())));
        }
        if (source.startsWith(ENVIRONMENT)) {
            return KeyRing.fromEnvironment(source.substring(ENVIRONMENT.length()));
        }
        throw new InvalidRequestException("option 'encrypt' must be keyfile:<path> or env:<variable>, not '" + source + "'");
    }
}
