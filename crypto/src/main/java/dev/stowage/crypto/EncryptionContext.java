package dev.stowage.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.Objects;

/**
 * What a ciphertext belongs to, bound into every frame and key wrap as associated data: copied onto
 * another kind, namespace or key, it fails to decrypt.
 *
 * @param kind      what the payload is
 * @param namespace the namespace it is stored in
 * @param key       its key (for staged state: the key it will be promoted to)
 */
public record EncryptionContext(Kind kind, String namespace, String key) {
    /** Kinds of payload; the label is part of the format. */
    public enum Kind {
        STATE("state"),
        OBJECT("object"),
        META("meta"),
        /** Queue metadata, for queue implementations built on the envelope format. */
        QUEUE_META("queue-meta"),
        /** Queue payloads, for queue implementations built on the envelope format. */
        QUEUE_PAYLOAD("queue-payload");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public EncryptionContext {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(key, "key");
    }

    /** Length-prefixed encoding: kind label, namespace, key (UTF-8, 16-bit big-endian lengths). */
    byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        putString(out, kind.label);
        putString(out, namespace);
        putString(out, key);
        return out.toByteArray();
    }

    static void putString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(UTF_8);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    /** Where this payload lives, for error messages. */
    String location() {
        return kind.label + " " + namespace + "/" + key;
    }
}
