package dev.stowage.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The harness's values: each write's bytes are recognised exactly, and nothing else is. */
class ValuesTest {
    @Test
    void aValueNamesItsKeyAndSequenceAndIsRecognisedExactly() {
        byte[] value = Values.of("w0/k7", 42, 1024);
        assertThat(value).hasSize(1024);
        assertThat(Values.sequenceOf("w0/k7", value)).isEqualTo(42);
        assertThat(Values.isExactly("w0/k7", 42, 1024, value)).isTrue();
        assertThat(Values.sequenceOf("w0/k8", value)).isEqualTo(-1);
        assertThat(Values.isExactly("w0/k7", 41, 1024, value)).isFalse();
        assertThat(Values.isExactly("w0/k7", 42, 1023, value)).isFalse();
    }

    @Test
    void everyFillerByteIsChecked() {
        for (int size : new int[] {1024, 1001}) {
            for (int at : new int[] {"w0/k7|42|".length(), 500, size - 1}) {
                byte[] value = Values.of("w0/k7", 42, size);
                value[at] ^= 1;
                assertThat(Values.isExactly("w0/k7", 42, size, value)).as("size %d, byte %d flipped", size, at).isFalse();
            }
        }
    }

    @Test
    void theFillerDependsOnKeyAndSequence() {
        byte[] a = Values.of("w0/k7", 42, 1024);
        byte[] b = Values.of("w0/k7", 43, 1024);
        byte[] c = Values.of("w0/k9", 42, 1024);
        int header = "w0/k7|42|".length();
        assertThat(Arrays.equals(a, header, 1024, b, header, 1024)).isFalse();
        assertThat(Arrays.equals(a, header, 1024, c, header, 1024)).isFalse();
    }

    @Test
    void aHeaderLongerThanTheSizeIsKeptWhole() {
        assertThat(Values.of("a-rather-long-key", 123456789, 4)).asString().isEqualTo("a-rather-long-key|123456789|");
    }
}
