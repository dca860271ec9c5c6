package dev.stowage.s3;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Adobe S3Mock (a real S3-compatible server, fetched by the build into {@code target/test-servers})
 * run as a child process for this test JVM, once, on free ports; its HTTPS connector is bound to
 * 127.0.0.1 and the tests use its HTTP connector through 127.0.0.1 (S3Mock offers no bind address
 * for that one). Stopped by a shutdown hook; its files live in a temporary directory.
 */
final class S3MockServer {
    static final String BUCKET = "stowage-test";
    private static final Region REGION = Region.US_EAST_1;
    private static S3MockServer shared;

    private final Process process;
    private final int httpPort;

    private S3MockServer(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    static synchronized S3MockServer shared() {
        if (shared == null) {
            shared = start();
            S3MockServer server = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.process.destroyForcibly()));
        }
        return shared;
    }

    private static S3MockServer start() {
        String jar = System.getProperty("stowage.s3mock.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Mock jar not found (system property stowage.s3mock.jar = " + jar
                + "); run the tests through Maven, which fetches it");
        }
        try {
            Path root = Files.createTempDirectory("stowage-s3mock-");
            int httpPort = freePort();
            int httpsPort = freePort();
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jar, "--http.port=" + httpPort, "--server.port=" + httpsPort,
                "--server.address=127.0.0.1", "--spring.main.banner-mode=off")
                .redirectErrorStream(true)
                .redirectOutput(root.resolve("s3mock.log").toFile());
            pb.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_ROOT", root.resolve("data").toString());
            pb.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_INITIAL_BUCKETS", BUCKET);
            Process process = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", httpPort), 200);
                    break;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        process.destroyForcibly();
                        throw new IllegalStateException("S3Mock did not start; see " + root.resolve("s3mock.log"));
                    }
                    Thread.sleep(100);
                }
            }
            return new S3MockServer(process, httpPort);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start S3Mock", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    int port() {
        return httpPort;
    }

    /** A client for S3Mock at {@code port} on 127.0.0.1 (S3Mock itself, or a proxy in front of it). */
    static S3Client client(int port) {
        return client(port, S3Clients.DEFAULT_SOCKET_TIMEOUT);
    }

    static S3Client client(int port, java.time.Duration socketTimeout) {
        return S3Clients.forEndpoint(URI.create("http://127.0.0.1:" + port), REGION,
            StaticCredentialsProvider.create(AwsBasicCredentials.create("stowage-test", "stowage-test-secret")), socketTimeout);
    }
}
