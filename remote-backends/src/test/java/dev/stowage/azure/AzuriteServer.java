package dev.stowage.azure;

import com.azure.storage.blob.BlobContainerClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Azurite's blob service (fetched from the npm registry by the build into
 * {@code target/test-servers/azurite}) run as a child process of this test JVM, once, bound to
 * 127.0.0.1 on a free port, telemetry off, data in a temporary directory. Stopped by a shutdown hook.
 */
final class AzuriteServer {
    static final String ACCOUNT = "devstoreaccount1";
    /** Azurite's published development key; not a secret. */
    static final String ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    static final String CONTAINER = "stowage-test";
    private static AzuriteServer shared;

    private final Process process;
    private final int port;

    private AzuriteServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static synchronized AzuriteServer shared() {
        if (shared == null) {
            shared = start();
            AzuriteServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.process.destroyForcibly()));
            BlobContainerClient container = server.container(CONTAINER, AzureBackend.DEFAULT_TIMEOUT);
            if (!container.exists()) {
                container.create();
            }
        }
        return shared;
    }

    private static AzuriteServer start() {
        String executable = System.getProperty("stowage.azurite");
        if (executable == null || !Files.isRegularFile(Path.of(executable))) {
            throw new IllegalStateException("Azurite not found (system property stowage.azurite = " + executable
                + "); run the tests through Maven, which installs it with npm (Node.js and npm must be on the PATH)");
        }
        try {
            Path root = Files.createTempDirectory("stowage-azurite-");
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Process process = new ProcessBuilder(executable, "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                "--location", root.resolve("data").toString(), "--disableTelemetry", "--skipApiVersionCheck", "--silent")
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("azurite.log").toFile())
                .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return new AzuriteServer(process, port);
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        process.destroyForcibly();
                        throw new IllegalStateException("Azurite did not start; see " + root.resolve("azurite.log"));
                    }
                    Thread.sleep(100);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Azurite", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    BlobContainerClient container(String name, Duration timeout) {
        return AzureClients.withSharedKey(endpoint(), ACCOUNT, ACCOUNT_KEY, name, timeout);
    }
}
