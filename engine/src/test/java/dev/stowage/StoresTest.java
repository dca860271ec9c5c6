package dev.stowage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.memory.MemoryBackend;
import dev.stowage.observe.ObservedBackend;
import dev.stowage.retry.RetryingBackend;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class StoresTest {
    @Test
    void memSchemeOpensAMemoryBackend() {
        try (Backend b = Stores.open("mem://")) {
            assertThat(b).isInstanceOf(MemoryBackend.class);
        }
    }

    @Test
    void wrappersAreAppliedInTheirFixedOrderWhateverTheOptionOrder() {
        try (Backend b = Stores.open("mem://?observe=true&retry=true&retry.maxAttempts=7&retry.initialBackoff=20ms")) {
            assertThat(b).isInstanceOf(ObservedBackend.class);
            Backend inner = ((ObservedBackend) b).delegate();
            assertThat(inner).isInstanceOf(RetryingBackend.class);
            RetryingBackend retry = (RetryingBackend) inner;
            assertThat(retry.policy().maxAttempts()).isEqualTo(7);
            assertThat(retry.policy().initialBackoff()).isEqualTo(Duration.ofMillis(20));
            assertThat(retry.delegate()).isInstanceOf(MemoryBackend.class);
            assertThat(b.capabilities()).isEqualTo(retry.delegate().capabilities());
        }
    }

    @Test
    void switchedOffWrapperIsNotApplied() {
        try (Backend b = Stores.open("mem://?retry=false")) {
            assertThat(b).isInstanceOf(MemoryBackend.class);
        }
    }

    @Test
    void unknownSchemeNamesTheAvailableOnes() {
        assertThatThrownBy(() -> Stores.open("nope://x")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("nope").hasMessageContaining("mem");
    }

    @Test
    void unknownOptionNamesTheValidOnes() {
        assertThatThrownBy(() -> Stores.open("mem://?retyr=true")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("retyr").hasMessageContaining("retry.maxAttempts").hasMessageContaining("observe");
    }

    @Test
    void badOptionValuesAreClearErrors() {
        assertThatThrownBy(() -> Stores.open("mem://?retry=maybe")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("retry");
        assertThatThrownBy(() -> Stores.open("mem://?retry=true&retry.maxAttempts=many")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("retry.maxAttempts");
        assertThatThrownBy(() -> Stores.open("mem://?retry=true&retry.deadline=soon")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("250ms");
        assertThatThrownBy(() -> Stores.open("mem://?retry.maxAttempts=3")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("retry=true");
        assertThatThrownBy(() -> Stores.open("mem://?retry=true&retry=false")).isInstanceOf(InvalidRequestException.class)
            .hasMessageContaining("twice");
        assertThatThrownBy(() -> Stores.open("mem://somehost/path")).isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> Stores.open("no scheme")).isInstanceOf(InvalidRequestException.class);
    }
}
