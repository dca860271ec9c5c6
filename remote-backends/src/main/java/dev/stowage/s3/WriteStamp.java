package dev.stowage.s3;

import dev.stowage.CorruptionException;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The 16 bytes every stored body starts with: magic {@code STWS} and 12 random bytes. S3 ETags are
 * derived from the content (MD5), so rewriting identical bytes would keep the ETag and let a stale
 * compare-and-swap succeed (DESIGN.md §10); the stamp makes every write's content, and so its
 * ETag, unique. Readers skip it; sizes reported exclude it.
 *
 * <p>Thread-safe.
 */
final class WriteStamp {
    static final int LENGTH = 16;
    private static final byte[] MAGIC = {'S', 'T', 'W', 'S'};
    private static final SecureRandom RANDOM = new SecureRandom();

    private WriteStamp() {
    }

    /** A fresh stamp: the magic and 12 new random bytes. */
    static byte[] newStamp() {
        byte[] stamp = new byte[LENGTH];
        RANDOM.nextBytes(stamp);
        System.arraycopy(MAGIC, 0, stamp, 0, MAGIC.length);
        return stamp;
    }

    /**
     * Reads and checks the stamp at the start of a stored body.
     *
     * @throws CorruptionException if the object was not written by this backend
     */
    static void skip(InputStream in, String location) throws IOException {
        byte[] stamp = in.readNBytes(LENGTH);
        if (stamp.length < LENGTH || !Arrays.equals(stamp, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptionException(location, 0, "no Stowage write stamp: the object was not written by Stowage, or is damaged");
        }
    }

    /** Payload size of a stored body of {@code storedSize} bytes. */
    static long payloadSize(long storedSize, String location) {
        if (storedSize < LENGTH) {
            throw new CorruptionException(location, 0, "stored body of " + storedSize + " bytes is shorter than the write stamp");
        }
        return storedSize - LENGTH;
    }
}
