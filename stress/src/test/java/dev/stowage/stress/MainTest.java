package dev.stowage.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void demoRunsEveryStepOnTheMemoryStore() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = Main.demo("mem://?observe=true&retry=true", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(ok).as(out).isTrue();
        assertThat(out).contains("second create by node-b", "refused", "listed 5 objects in 3 pages");
    }

    @Test
    void demoRunsEveryStepOnADurableDiskStore(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = Main.demo(Main.diskUrl(dir) + "?durability=SYNC", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(ok).as(out).isTrue();
        assertThat(out).contains("SINGLE_WRITER", "DURABLE", "listed 5 objects in 3 pages");
    }

    @Test
    void verifyReportsACleanStoreAfterTheDemo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        assertThat(Main.demo(Main.diskUrl(dir), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isTrue();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = Main.verify(new String[] {"verify", Main.diskUrl(dir)}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(status).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("records=8", "namespace demo: 7 keys", "OK");
        assertThat(Main.verify(new String[] {"verify", dir.resolve("nope").toString()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isEqualTo(2);
    }

    @Test
    void demoReportsAFailureForAnUnknownStore() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(Main.demo("nope://", new PrintStream(bytes, true, StandardCharsets.UTF_8))).isFalse();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("unknown store scheme");
    }
}
