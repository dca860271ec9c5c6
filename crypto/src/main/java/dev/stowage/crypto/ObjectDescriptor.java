package dev.stowage.crypto;

import dev.stowage.EntryInfo;
import dev.stowage.InvalidRequestException;
import dev.stowage.ObjectAttributes;
import java.io.ByteArrayOutputStream;

/**
 * What an encrypted object stores as its descriptor: the key envelope and the caller's own
 * attributes, which the envelope authenticates. Printable ASCII:
 * {@code swe1:<key envelope, base64url>:<content type length>:<content type>[:<caller's descriptor>]}.
 * The stored content type is {@link EncryptingBackend#ENCRYPTED_CONTENT_TYPE}.
 *
 * @param envelope   the object version's wrapped data key
 * @param attributes the attributes the caller wrote and reads back
 */
record ObjectDescriptor(KeyEnvelope envelope, ObjectAttributes attributes) {
    static final String PREFIX = "swe1:";
    private static final int FIXED_LENGTH = PREFIX.length() + 134 + 1 + 3 + 1 + 1;
    /** Room left for the caller's content type plus descriptor. */
    static final int MAX_CALLER_ATTRIBUTES_LENGTH = ObjectAttributes.MAX_DESCRIPTOR_LENGTH - FIXED_LENGTH;

    /** Fails before anything is encrypted if the caller's attributes cannot fit beside the envelope. */
    static void requireFits(ObjectAttributes caller) {
        int length = caller.contentType().length() + (caller.descriptor() == null ? 0 : caller.descriptor().length());
        if (length > MAX_CALLER_ATTRIBUTES_LENGTH) {
            throw new InvalidRequestException("an encrypted object's content type and descriptor together may hold at most "
                + MAX_CALLER_ATTRIBUTES_LENGTH + " characters (the rest of the descriptor holds the key envelope); got " + length);
        }
    }

    /** The caller's attributes as bound into the key wrap. */
    static byte[] associatedData(ObjectAttributes caller) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        EncryptionContext.putString(out, caller.contentType());
        if (caller.descriptor() != null) {
            out.write(1);
            EncryptionContext.putString(out, caller.descriptor());
        } else {
            out.write(0);
        }
        return out.toByteArray();
    }

    /** The attributes stored with the ciphertext. */
    ObjectAttributes stored() {
        String ct = attributes.contentType();
        String text = PREFIX + envelope.toBase64() + ":" + ct.length() + ":" + ct
            + (attributes.descriptor() == null ? "" : ":" + attributes.descriptor());
        return new ObjectAttributes(EncryptingBackend.ENCRYPTED_CONTENT_TYPE, text);
    }

    /**
     * Parses stored attributes (shape only; the key wrap authenticates them).
     *
     * @throws IntegrityException if the object is not an encrypted object of this format
     */
    static ObjectDescriptor parse(EntryInfo stored, String location) {
        String text = stored.descriptor();
        if (!EncryptingBackend.ENCRYPTED_CONTENT_TYPE.equals(stored.contentType()) || text == null || !text.startsWith(PREFIX)) {
            throw new IntegrityException(location, 0, "not an encrypted object (content type " + stored.contentType() + ")");
        }
        try {
            int envelopeEnd = text.indexOf(':', PREFIX.length());
            KeyEnvelope envelope = KeyEnvelope.fromBase64(text.substring(PREFIX.length(), envelopeEnd), location);
            int lengthEnd = text.indexOf(':', envelopeEnd + 1);
            int ctLength = Integer.parseInt(text.substring(envelopeEnd + 1, lengthEnd));
            int ctEnd = lengthEnd + 1 + ctLength;
            String contentType = text.substring(lengthEnd + 1, ctEnd);
            String descriptor = null;
            if (ctEnd < text.length()) {
                if (text.charAt(ctEnd) != ':') {
                    throw new IllegalArgumentException("separator");
                }
                descriptor = text.substring(ctEnd + 1);
            }
            return new ObjectDescriptor(envelope, new ObjectAttributes(contentType, descriptor));
        } catch (IntegrityException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IntegrityException(location, 0, "malformed encrypted-object descriptor");
        }
    }

    /** The caller's view of a stored entry: plaintext size and the caller's attributes. */
    EntryInfo callerView(EntryInfo stored, String location) {
        long size = EnvelopeDescriptor.plaintextLength(stored.size() - EnvelopeDescriptor.STREAM_HEADER_LENGTH, envelope.frameShift());
        if (stored.size() < EnvelopeDescriptor.STREAM_HEADER_LENGTH || size < 0) {
            throw new IntegrityException(location, 0, "stored length " + stored.size() + " is not a whole encrypted stream");
        }
        return new EntryInfo(stored.key(), stored.etag(), size, stored.lastModified(), attributes.contentType(), attributes.descriptor());
    }
}
