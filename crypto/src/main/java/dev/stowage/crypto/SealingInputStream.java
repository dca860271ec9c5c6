package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.MAX_FRAMES;
import static dev.stowage.crypto.EnvelopeDescriptor.TAG_LENGTH;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ciphertext of a plaintext stream, pulled: a prefix (stream header, and key envelope where it is
 * embedded), then one sealed frame per {@code frameSize} bytes of plaintext, the last holding the
 * remainder (possibly nothing). Encrypts one frame at a time, so memory is two frames whatever the
 * body's length.
 *
 * <p>Not thread-safe.
 */
final class SealingInputStream extends InputStream {
    private final InputStream plaintext;
    private final FrameCipher frames;
    private final int frameSize;
    private final byte[] plain;
    private final byte[] sealed;
    private byte[] pending;
    private int pendingPosition;
    private int pendingLength;
    private long frameIndex;
    private boolean lastSealed;

    /**
     * @param knownLength plaintext length if known (buffers are sized down for small bodies), else -1
     */
    SealingInputStream(byte[] prefix, InputStream plaintext, FrameCipher frames, int frameSize, long knownLength) {
        this.plaintext = plaintext;
        this.frames = frames;
        this.frameSize = frameSize;
        // A known-length body shorter than a frame needs one byte more than its length: enough to
        // notice a body that yields more than it declared, which then seals to a length the
        // backend refuses.
        int buffer = knownLength >= 0 && knownLength < frameSize ? (int) knownLength + 1 : frameSize;
        this.plain = new byte[buffer];
        this.sealed = new byte[buffer + TAG_LENGTH];
        this.pending = prefix;
        this.pendingLength = prefix.length;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pendingPosition == pendingLength && !sealNextFrame()) {
            return -1;
        }
        int n = Math.min(len, pendingLength - pendingPosition);
        System.arraycopy(pending, pendingPosition, b, off, n);
        pendingPosition += n;
        return n;
    }

    private boolean sealNextFrame() throws IOException {
        if (lastSealed) {
            return false;
        }
        int n = plaintext.readNBytes(plain, 0, Math.min(plain.length, frameSize));
        boolean last = n < frameSize;
        if (frameIndex >= MAX_FRAMES) {
            throw new IOException("body exceeds " + MAX_FRAMES + " frames of " + frameSize + " bytes");
        }
        pending = sealed;
        pendingLength = frames.seal(frameIndex++, last, plain, n, sealed, 0);
        pendingPosition = 0;
        lastSealed = last;
        return true;
    }

    @Override
    public int available() {
        return pendingLength - pendingPosition;
    }

    @Override
    public void close() throws IOException {
        plaintext.close();
    }
}
