package dev.stowage.bench;

import dev.stowage.Content;
import dev.stowage.EntryInfo;
import dev.stowage.ForwardingBackend;
import dev.stowage.ObjectAttributes;
import dev.stowage.Operation;
import dev.stowage.Precondition;
import dev.stowage.ReplayableBody;
import dev.stowage.crypto.EncryptingBackend;
import dev.stowage.memory.MemoryBackend;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Envelope encryption alone, one thread (= per core): a put through {@link EncryptingBackend}
 * into a sink that only drains the sealed stream, and a get that decrypts a stored ciphertext
 * from memory. Every op includes a fresh data key, its HKDF-derived wrap and the frame seals, as
 * a real write does. MB/s = ops/s x size / 1e6.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class CryptoBenchmark {
    @Param({"1024", "65536", "16777216"})
    int size;

    private byte[] plaintext;
    private final byte[] drain = new byte[1 << 16];
    private Sink sink;
    private EncryptingBackend backend;

    /** Drains every sealed put into a scratch buffer; in capture mode keeps the bytes for gets. */
    private final class Sink extends ForwardingBackend {
        boolean capture;
        byte[] ciphertext;
        EntryInfo info;

        Sink() {
            super(new MemoryBackend());
        }

        @Override
        protected <T> T invoke(Operation operation, String namespace, String key, Supplier<T> call) {
            return call.get();
        }

        @Override
        public String putObject(String namespace, String key, ReplayableBody body, ObjectAttributes attributes, Precondition p) {
            try (InputStream in = body.open()) {
                if (capture) {
                    ciphertext = in.readAllBytes();
                    info = new EntryInfo(key, "e", ciphertext.length, Instant.EPOCH, attributes.contentType(), attributes.descriptor());
                } else {
                    drainAll(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "e";
        }

        @Override
        public Content getObject(String namespace, String key) {
            return new Content(info, new ByteArrayInputStream(ciphertext));
        }
    }

    private long drainAll(InputStream in) throws IOException {
        long total = 0;
        for (int n; (n = in.read(drain)) > 0; ) {
            total += n;
        }
        return total;
    }

    @Setup
    public void setUp() {
        plaintext = new byte[size];
        ThreadLocalRandom.current().nextBytes(plaintext);
        sink = new Sink();
        backend = EncryptingBackend.builder(sink).keyProvider(Engines.randomKeyRing()).build();
        sink.capture = true;
        encrypt();
        sink.capture = false;
    }

    @TearDown
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public String encrypt() {
        return backend.putObject("ns", "k", ReplayableBody.ofBytes(plaintext), ObjectAttributes.DEFAULT, Precondition.any());
    }

    @Benchmark
    public long decrypt() throws IOException {
        try (Content c = backend.getObject("ns", "k")) {
            return drainAll(c.stream());
        }
    }
}
