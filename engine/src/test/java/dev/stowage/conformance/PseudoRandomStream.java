package dev.stowage.conformance;

import java.io.InputStream;

/**
 * A deterministic byte stream of a given length from a seed, so tests can write and verify large
 * bodies without holding them in memory. Not thread-safe.
 */
public final class PseudoRandomStream extends InputStream {
    private final long length;
    private long position;
    private long state;

    public PseudoRandomStream(long seed, long length) {
        this.length = length;
        this.state = seed ^ 0x9E3779B97F4A7C15L;
    }

    private int nextByte() {
        // xorshift64*: fast and good enough to make misplaced bytes visible.
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (int) ((state * 0x2545F4914F6CDD1DL) >>> 56);
    }

    @Override
    public int read() {
        if (position >= length) {
            return -1;
        }
        position++;
        return nextByte();
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        if (position >= length) {
            return -1;
        }
        int n = (int) Math.min(len, length - position);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) nextByte();
        }
        position += n;
        return n;
    }

    /**
     * Reads {@code actual} to its end and compares it with this stream's bytes.
     *
     * @return the offset of the first difference, or -1 if both streams are equal
     */
    public long firstDifference(InputStream actual) throws java.io.IOException {
        byte[] expected = new byte[64 * 1024];
        byte[] got = new byte[64 * 1024];
        long offset = 0;
        while (true) {
            int n = readNBytes(expected, 0, expected.length);
            int m = actual.readNBytes(got, 0, n == 0 ? 1 : n);
            if (n == 0) {
                return m == 0 ? -1 : offset;
            }
            for (int i = 0; i < Math.min(n, m); i++) {
                if (expected[i] != got[i]) {
                    return offset + i;
                }
            }
            if (m < n) {
                return offset + m;
            }
            offset += n;
        }
    }
}
