package dev.stowage.observe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.stowage.CorruptionException;
import dev.stowage.NotFoundException;
import dev.stowage.ObjectAttributes;
import dev.stowage.Operation;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.TransientStorageException;
import dev.stowage.conformance.FaultInjectingBackend;
import dev.stowage.memory.MemoryBackend;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ObservedBackendTest {
    private static final String NS = "obs";
    private static final String SECRET = "top-secret-payload-4711";

    private final MemoryBackend memory = new MemoryBackend();
    private final FaultInjectingBackend faulty = new FaultInjectingBackend(memory);
    private final AtomicLong clock = new AtomicLong();
    private final Logger logger = (Logger) LoggerFactory.getLogger("test.observed." + System.nanoTime());
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private ObservedBackend observed;

    @BeforeEach
    void setUp() {
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.DEBUG);
        // Each clock read advances 1 ms, so every call takes exactly 1 ms of virtual time.
        observed = new ObservedBackend(faulty, logger, () -> clock.getAndAdd(1_000_000));
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(appender);
        observed.close();
    }

    @Test
    void successIsLoggedAtDebugWithoutPayload() {
        observed.storeMeta(NS, "doc", SECRET.getBytes(UTF_8), Precondition.any());
        observed.putObject(NS, "obj", ReplayableBody.ofBytes(SECRET.getBytes(UTF_8)),
            new ObjectAttributes("text/plain", "descriptor-" + SECRET), Precondition.any());
        observed.readMeta(NS, "doc");

        assertThat(appender.list).hasSize(3);
        ILoggingEvent first = appender.list.get(0);
        assertThat(first.getLevel()).isEqualTo(Level.DEBUG);
        assertThat(first.getFormattedMessage()).contains("op=STORE_META", "ns=" + NS, "key=doc", "outcome=ok", "micros=1000");
        for (ILoggingEvent e : appender.list) {
            assertThat(e.getFormattedMessage()).doesNotContain(SECRET);
        }
    }

    @Test
    void failuresAreLoggedAtTheirLevel() {
        faulty.failNext(Operation.READ_META, 1, new TransientStorageException("throttled"))
            .failNext(Operation.GET_OBJECT, 1, new CorruptionException("segment-7", 128, "crc mismatch"));

        assertThatThrownBy(() -> observed.readMeta(NS, "k")).isInstanceOf(TransientStorageException.class);
        assertThatThrownBy(() -> observed.getObject(NS, "k")).isInstanceOf(CorruptionException.class);
        assertThatThrownBy(() -> observed.readState(NS, "absent")).isInstanceOf(NotFoundException.class);

        assertThat(appender.list).extracting(ILoggingEvent::getLevel).containsExactly(Level.WARN, Level.ERROR, Level.DEBUG);
        assertThat(appender.list.get(0).getFormattedMessage()).contains("op=READ_META", "outcome=TransientStorageException");
        assertThat(appender.list.get(1).getFormattedMessage()).contains("segment-7", "offset 128");
        assertThat(appender.list.get(1).getThrowableProxy()).isNotNull();
    }

    @Test
    void latencyHistogramsCountEveryCall() {
        for (int i = 0; i < 10; i++) {
            observed.storeMeta(NS, "k" + i, new byte[] {1}, Precondition.any());
        }
        assertThatThrownBy(() -> observed.readMeta(NS, "absent")).isInstanceOf(NotFoundException.class);

        LatencySnapshot writes = observed.latency(Operation.STORE_META);
        assertThat(writes.count()).isEqualTo(10);
        assertThat(writes.failures()).isZero();
        assertThat(writes.p50()).isBetween(Duration.ofNanos(999_000), Duration.ofNanos(1_001_000));
        assertThat(writes.max()).isBetween(Duration.ofNanos(999_000), Duration.ofNanos(1_001_000));
        LatencySnapshot reads = observed.latency(Operation.READ_META);
        assertThat(reads.count()).isEqualTo(1);
        assertThat(reads.failures()).isEqualTo(1);
        assertThat(observed.latencies()).containsOnlyKeys(Operation.STORE_META, Operation.READ_META);
    }

    @Test
    void capabilitiesPassThrough() {
        assertThat(observed.capabilities()).isSameAs(memory.capabilities());
    }
}
