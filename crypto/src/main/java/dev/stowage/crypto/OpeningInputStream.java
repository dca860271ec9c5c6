package dev.stowage.crypto;

import static dev.stowage.crypto.EnvelopeDescriptor.TAG_LENGTH;

import java.io.IOException;
import java.io.InputStream;

/**
 * Plaintext of a stream of sealed frames whose total length is known (a stored body's size):
 * each frame is authenticated before any of its bytes are returned, so a reader never sees
 * plaintext that failed authentication. The length fixes which frame is last, so a stream cut at
 * any point, at a frame boundary included, fails with {@link IntegrityException}.
 *
 * <p>{@link #skip(long)} moves over whole frames without reading or decrypting them (the source's
 * own skip), so a ranged read decrypts only the frames it touches.
 *
 * <p>Not thread-safe.
 */
final class OpeningInputStream extends InputStream {
    private final InputStream source;
    private final FrameCipher frames;
    private final int frameShift;
    private final int frameSize;
    private final long frameCount;
    private final int lastFramePlain;
    private final String location;
    private final long firstFrameOffset;
    private final byte[] sealed;
    private final byte[] plain;
    private int plainPosition;
    private int plainLength;
    private long nextFrame;

    /**
     * @param plaintextLength  from {@link EnvelopeDescriptor#plaintextLength}, already validated
     * @param firstFrameOffset offset of frame 0 in the stored payload, for error messages
     */
    OpeningInputStream(InputStream source, FrameCipher frames, int frameShift, long plaintextLength,
                       String location, long firstFrameOffset) {
        this.source = source;
        this.frames = frames;
        this.frameShift = frameShift;
        this.frameSize = 1 << frameShift;
        this.frameCount = (plaintextLength >>> frameShift) + 1;
        this.lastFramePlain = (int) (plaintextLength & (frameSize - 1));
        this.location = location;
        this.firstFrameOffset = firstFrameOffset;
        int buffer = (int) Math.min(frameSize, plaintextLength);
        this.sealed = new byte[buffer + TAG_LENGTH];
        this.plain = new byte[buffer];
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
        while (plainPosition == plainLength) {
            if (nextFrame == frameCount) {
                return -1;
            }
            openNextFrame();
        }
        int n = Math.min(len, plainLength - plainPosition);
        System.arraycopy(plain, plainPosition, b, off, n);
        plainPosition += n;
        return n;
    }

    private void openNextFrame() throws IOException {
        long index = nextFrame++;
        boolean last = index == frameCount - 1;
        int sealedLength = (last ? lastFramePlain : frameSize) + TAG_LENGTH;
        long offset = firstFrameOffset + (index << frameShift) + index * TAG_LENGTH;
        int n = source.readNBytes(sealed, 0, sealedLength);
        if (n < sealedLength) {
            throw new IntegrityException(location, offset + n, "stream ends inside frame " + index + " of " + frameCount);
        }
        plainLength = frames.open(index, last, sealed, 0, sealedLength, plain, location, offset);
        plainPosition = 0;
        if (last && source.read() != -1) {
            throw new IntegrityException(location, offset + sealedLength, "bytes after the last frame");
        }
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        long skipped = Math.min(n, plainLength - plainPosition);
        plainPosition += (int) skipped;
        long remaining = n - skipped;
        // Whole frames before the target are passed over unread; the last frame is always opened
        // so that the end of the stream is still authenticated.
        long wholeFrames = Math.min(remaining >>> frameShift, frameCount - 1 - nextFrame);
        if (wholeFrames > 0) {
            long bytes = wholeFrames * (frameSize + TAG_LENGTH);
            try {
                source.skipNBytes(bytes);
            } catch (java.io.EOFException e) {
                throw new IntegrityException(location, firstFrameOffset + (nextFrame << frameShift) + nextFrame * TAG_LENGTH,
                    "stream ends before frame " + (nextFrame + wholeFrames) + " of " + frameCount);
            }
            nextFrame += wholeFrames;
            skipped += wholeFrames << frameShift;
            remaining -= wholeFrames << frameShift;
        }
        if (remaining > 0 && nextFrame < frameCount) {
            openNextFrame();
            int inFrame = (int) Math.min(remaining, plainLength);
            plainPosition = inFrame;
            skipped += inFrame;
        }
        return skipped;
    }

    @Override
    public int available() {
        return plainLength - plainPosition;
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
