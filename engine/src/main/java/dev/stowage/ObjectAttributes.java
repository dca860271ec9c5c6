package dev.stowage;

/**
 * Attributes stored with an object: its media type and an opaque descriptor (the crypto layer
 * keeps the data needed to rebuild an object's key here). Validated on construction.
 *
 * @param contentType printable ASCII, at most {@link #MAX_CONTENT_TYPE_LENGTH} characters
 * @param descriptor  printable ASCII, at most {@link #MAX_DESCRIPTOR_LENGTH} characters, or {@code null}
 */
public record ObjectAttributes(String contentType, String descriptor) {
    /** Content type used when none is given. */
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    /** Longest content type accepted. */
    public static final int MAX_CONTENT_TYPE_LENGTH = 255;
    /**
     * Longest descriptor accepted. Kept small so every backend can store it as object metadata
     * (S3 allows 2 KiB of user metadata in all).
     */
    public static final int MAX_DESCRIPTOR_LENGTH = 1024;
    /** Default content type, no descriptor. */
    public static final ObjectAttributes DEFAULT = new ObjectAttributes(DEFAULT_CONTENT_TYPE, null);

    public ObjectAttributes {
        requirePrintableAscii("content type", contentType, MAX_CONTENT_TYPE_LENGTH);
        if (contentType.isEmpty()) {
            throw new InvalidRequestException("content type must not be empty");
        }
        if (descriptor != null) {
            requirePrintableAscii("descriptor", descriptor, MAX_DESCRIPTOR_LENGTH);
        }
    }

    /** Attributes with the given content type and no descriptor. */
    public static ObjectAttributes contentType(String contentType) {
        return new ObjectAttributes(contentType, null);
    }

    private static void requirePrintableAscii(String what, String value, int maxLength) {
        if (value == null) {
            throw new InvalidRequestException(what + " must not be null");
        }
        if (value.length() > maxLength) {
            throw new InvalidRequestException(what + " is " + value.length() + " characters; at most " + maxLength + " allowed");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new InvalidRequestException(what + " must be printable ASCII; found U+"
                    + String.format("%04X", (int) c) + " at index " + i);
            }
        }
    }
}
