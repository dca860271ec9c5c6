package dev.stowage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void keyOrderEqualsUnsignedUtf8ByteOrderOnRandomStrings() {
        long seed = Long.getLong("stowage.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        int[] pool = {'a', 'z', '/', 0x7f, 0xe9, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x1f601, 0x10fffe,
            0x10ffff};
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            // Every other string shares a prefix with the one before, so differences also fall late
            // and between the low surrogates of one high surrogate.
            StringBuilder sb = new StringBuilder();
            if (i % 2 == 1) {
                String previous = strings.get(i - 1);
                int cut = random.nextInt(previous.length() + 1);
                sb.append(previous, 0, Character.isLowSurrogate(cut < previous.length() ? previous.charAt(cut) : 'a') ? cut - 1 : cut);
            }
            for (int j = random.nextInt(5); j >= 0; j--) {
                sb.appendCodePoint(pool[random.nextInt(pool.length)]);
            }
            strings.add(sb.toString());
        }
        for (int i = 1; i < strings.size(); i++) {
            String a = strings.get(i - 1);
            String b = strings.get(i);
            int expected = Integer.signum(Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
            assertThat(Integer.signum(Names.KEY_ORDER.compare(a, b))).as("seed %d: %s vs %s", seed, a, b).isEqualTo(expected);
        }
    }

    /** Strings that are no valid keys (lone surrogates, as a listing prefix may hold) order by code point too. */
    @Test
    void keyOrderComparesCodePointsOfStringsWithLoneSurrogates() {
        long seed = Long.getLong("stowage.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        char[] pool = {'a', 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff};
        for (int i = 0; i < 20000; i++) {
            StringBuilder a = new StringBuilder();
            for (int j = random.nextInt(6); j >= 0; j--) {
                a.append(pool[random.nextInt(pool.length)]);
            }
            StringBuilder b = new StringBuilder(a.substring(0, random.nextInt(a.length() + 1)));
            for (int j = random.nextInt(4); j >= 0; j--) {
                b.append(pool[random.nextInt(pool.length)]);
            }
            assertThat(Integer.signum(Names.KEY_ORDER.compare(a.toString(), b.toString())))
                .as("seed %d: %s vs %s", seed, a.toString().chars().boxed().toList(), b.toString().chars().boxed().toList())
                .isEqualTo(Integer.signum(byCodePoints(a.toString(), b.toString())));
        }
    }

    /** The reference: code points compared one by one. */
    private static int byCodePoints(String a, String b) {
        int i = 0;
        while (i < a.length() && i < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(i);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
        }
        return Integer.compare(a.length() - i, b.length() - i);
    }

    @Test
    void validationNeverRewrites() {
        String key = "a/b c/\u00e9";
        assertThat(Names.key(key)).isSameAs(key);
        assertThat(Names.namespace("ns-1.x_y")).isEqualTo("ns-1.x_y");
    }

    @Test
    void messagesNameTheRuleAndEscapeControlCharacters() {
        assertThatThrownBy(() -> Names.key("a\nb")).hasMessageContaining("U+000A").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Names.key("a//b")).hasMessageContaining("empty segment");
        assertThatThrownBy(() -> Names.key("x/.staging/t")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> Names.namespace("a/b")).hasMessageContaining("allowed are");
    }
}
