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
        int[] pool = {'a', 'z', '/', 0x7f, 0xe9, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff};
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
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
