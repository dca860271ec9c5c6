package dev.stowage.stress;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The values the harness writes: {@code <key>|<seq>|} followed by filler derived from key and
 * sequence, so any stored value can be checked byte for byte against the write that produced it,
 * and a torn, stale or foreign value is recognised.
 *
 * <p>Stateless; thread-safe.
 */
final class Values {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Values() {
    }

    /** The exact bytes of write {@code seq} of {@code key}, at least {@code size} bytes long. */
    static byte[] of(String key, long seq, int size) {
        byte[] header = (key + "|" + seq + "|").getBytes(UTF_8);
        byte[] value = new byte[Math.max(size, header.length)];
        // eight bytes per store: a byte-at-a-time fill took a quarter of a harness writer's
        // time, which the throughput figure then charged to the store
        SplittableRandom filler = new SplittableRandom(key.hashCode() * 31L + seq);
        int words = value.length & ~7;
        for (int i = 0; i < words; i += Long.BYTES) {
            LONGS.set(value, i, filler.nextLong());
        }
        for (int i = words; i < value.length; i++) {
            value[i] = (byte) filler.nextInt(256);
        }
        System.arraycopy(header, 0, value, 0, header.length);
        return value;
    }

    /** The sequence number a value claims, or -1 if it is not a value of {@code key}. */
    static long sequenceOf(String key, byte[] value) {
        String prefix = key + "|";
        int headerEnd = -1;
        byte[] p = prefix.getBytes(UTF_8);
        if (value.length < p.length || !Arrays.equals(value, 0, p.length, p, 0, p.length)) {
            return -1;
        }
        for (int i = p.length; i < value.length && i < p.length + 20; i++) {
            if (value[i] == '|') {
                headerEnd = i;
                break;
            }
        }
        if (headerEnd < 0) {
            return -1;
        }
        try {
            return Long.parseLong(new String(value, p.length, headerEnd - p.length, UTF_8));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether {@code value} is exactly write {@code seq} of {@code key} at {@code size}. */
    static boolean isExactly(String key, long seq, int size, byte[] value) {
        return Arrays.equals(value, of(key, seq, size));
    }
}
