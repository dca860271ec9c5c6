package dev.stowage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpinLimitTest {
    @Test
    void letsUpToItsLimitSpinAndFreesAPlaceOnRelease() {
        SpinLimit limit = new SpinLimit(2);
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).as("a third caller, with two spinning").isFalse();
        assertThat(limit.tryAcquire()).as("a refusal takes no place").isFalse();
        limit.release();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isFalse();
    }

    @Test
    void refusesALimitBelowOne() {
        assertThatThrownBy(() -> new SpinLimit(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }
}
