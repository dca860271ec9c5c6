package dev.stowage.crypto;

import dev.stowage.InvalidRequestException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fixed set of root keys, the last one listed current: rotate by appending a new key and keep
 * the old ones until {@link Rewrapper} has moved every descriptor off them.
 *
 * <p>Text format (key file or environment variable): entries {@code <id>:<base64 of 32 bytes>},
 * separated by newlines or commas; blank lines and lines starting with {@code #} are ignored.
 * Make a key with {@code echo "k2026:$(head -c 32 /dev/urandom | base64)" >> keys}. Parse errors
 * name the source and line, never key material.
 *
 * <p>Immutable and thread-safe; {@link #close()} zeroes every key.
 */
public final class KeyRing implements KeyProvider, AutoCloseable {
    private final Map<String, RootKey> keys;
    private final RootKey current;

    private KeyRing(List<RootKey> ordered) {
        if (ordered.isEmpty()) {
            throw new InvalidRequestException("a key ring needs at least one root key");
        }
        Map<String, RootKey> byId = new LinkedHashMap<>();
        for (RootKey key : ordered) {
            if (byId.putIfAbsent(key.id(), key) != null) {
                throw new InvalidRequestException("root key id '" + key.id() + "' is listed twice");
            }
        }
        this.keys = byId;
        this.current = ordered.get(ordered.size() - 1);
    }

    /** The given keys; the last is current. */
    public static KeyRing of(RootKey... keys) {
        return new KeyRing(List.of(keys));
    }

    /** Parses the text format; {@code source} names where it came from in error messages. */
    public static KeyRing parse(String text, String source) {
        List<RootKey> keys = new java.util.ArrayList<>();
        String[] lines = text.split("[\\n,]");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                throw new InvalidRequestException(source + ", entry " + (i + 1) + ": expected <id>:<base64 key>");
            }
            String id = line.substring(0, colon).strip();
            byte[] material;
            try {
                material = Base64.getDecoder().decode(line.substring(colon + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException(source + ", entry " + (i + 1) + " (key '" + id + "'): not valid base64");
            }
            try {
                keys.add(RootKey.of(id, material));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException(source + ", entry " + (i + 1) + ": " + e.getMessage());
            } finally {
                java.util.Arrays.fill(material, (byte) 0);
            }
        }
        return new KeyRing(keys);
    }

    /** Reads a key file in the text format. */
    public static KeyRing fromFile(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), "key file " + file);
        } catch (IOException e) {
            throw new InvalidRequestException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads keys in the text format from an environment variable. */
    public static KeyRing fromEnvironment(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new InvalidRequestException("environment variable " + variable + " holds no root keys");
        }
        return parse(value, "environment variable " + variable);
    }

    @Override
    public RootKey current() {
        return current;
    }

    @Override
    public RootKey byId(String id) {
        return keys.get(id);
    }

    /** Zeroes every key of this ring. */
    @Override
    public void close() {
        keys.values().forEach(RootKey::destroy);
    }

    @Override
    public String toString() {
        return "KeyRing" + keys.keySet() + ", current " + current.id();
    }
}
