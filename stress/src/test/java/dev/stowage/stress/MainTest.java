package dev.stowage.stress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo and the offline tools of the stress jar. */
class MainTest {
    private static PrintStream capture(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    @Test
    void demoRunsEveryStepOnTheMemoryStore() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(Main.demo("mem://?observe=true&retry=true", capture(bytes))).isTrue();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("second create by node-b", "listed 5 objects in 3 pages");
    }

    @Test
    void verifyAndInspectReportADiskStoreAfterTheDemo(@TempDir Path dir) {
        assertThat(Main.demo(StoreSpec.diskUrl(dir), capture(new ByteArrayOutputStream()))).isTrue();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertThat(Main.verify(StoreSpec.diskUrl(dir), capture(bytes), false)).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("demo");
        assertThat(Main.verify(dir.toString(), capture(new ByteArrayOutputStream()), true)).isZero();
        assertThat(Main.verify(dir.resolve("nope").toString(), capture(new ByteArrayOutputStream()), false)).isEqualTo(2);
        assertThat(Main.verify("mem://", capture(new ByteArrayOutputStream()), false)).isEqualTo(2);
    }

    @Test
    void demoReportsAFailureForAnUnknownStore() {
        assertThat(Main.demo("nope://", capture(new ByteArrayOutputStream()))).isFalse();
    }

    @Test
    void unknownSubcommandOrOptionIsAUsageError() {
        assertThat(Main.execute("frobnicate")).isEqualTo(2);
        assertThat(Main.execute("run", "--writers", "many")).isEqualTo(2);
    }
}
