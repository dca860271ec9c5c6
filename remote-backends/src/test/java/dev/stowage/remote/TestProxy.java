package dev.stowage.remote;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 that forwards one request at a time to an upstream test server
 * (S3Mock, Azurite), and injects faults on demand ({@link #failNext}, {@link #resetNextUploadAfter},
 * {@link #delayNextResponse}).
 *
 * <p>Why serialize: S3Mock evaluates {@code If-None-Match} / {@code If-Match} correctly for one request at a
 * time but not atomically under concurrency (a 16-thread create race had 2-3 winners), so the
 * conformance suite's concurrent CAS races run through this proxy, which makes each request atomic
 * without judging any condition itself: every precondition is still decided by S3Mock. Requests
 * are forwarded verbatim except {@code Connection: close} (one upstream connection per request,
 * whose response then ends at EOF) and {@code Expect: 100-continue}, answered here.
 *
 * <p>Thread-safe; a daemon thread per client connection.
 */
public final class TestProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final ReentrantLock oneAtATime = new ReentrantLock(true);
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "s3-test-proxy");
        t.setDaemon(true);
        return t;
    });

    public TestProxy(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        connections.execute(this::acceptLoop);
    }

    private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
    private volatile int failureStatus;
    private final java.util.concurrent.atomic.AtomicLong resetAfterBodyBytes = new java.util.concurrent.atomic.AtomicLong(-1);
    private final java.util.concurrent.atomic.AtomicLong responseDelayMillis = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger forwarded = new java.util.concurrent.atomic.AtomicInteger();

    public int port() {
        return server.getLocalPort();
    }

    /** Answers the next {@code count} requests with {@code status} without forwarding them. */
    public void failNext(int count, int status) {
        failureStatus = status;
        failures.set(count);
    }

    /** Forwards only {@code bytes} of the next request body that is longer, then resets both connections. */
    public void resetNextUploadAfter(long bytes) {
        resetAfterBodyBytes.set(bytes);
    }

    /** Holds the next response for {@code millis} after the upstream server answered it. */
    public void delayNextResponse(long millis) {
        responseDelayMillis.set(millis);
    }

    /** Requests forwarded to the upstream server so far. */
    public int forwarded() {
        return forwarded.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                connections.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = client.getOutputStream();
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            List<String> lines = new ArrayList<>(List.of(new String(head, ISO_8859_1).split("\r\n")));
            long contentLength = 0;
            boolean chunked = false;
            ByteArrayOutputStream forwardedHead = new ByteArrayOutputStream();
            forwardedHead.writeBytes((lines.get(0) + "\r\n").getBytes(ISO_8859_1));
            for (String line : lines.subList(1, lines.size())) {
                String name = line.substring(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(Locale.ROOT);
                String value = line.substring(line.indexOf(':') + 1).trim();
                if (name.equals("content-length")) {
                    contentLength = Long.parseLong(value);
                } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                } else if (name.equals("expect")) {
                    out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(ISO_8859_1));
                    out.flush();
                    continue;
                } else if (name.equals("connection")) {
                    continue;
                }
                forwardedHead.writeBytes((line + "\r\n").getBytes(ISO_8859_1));
            }
            forwardedHead.writeBytes("Connection: close\r\n\r\n".getBytes(ISO_8859_1));
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                skipBody(in, chunked, contentLength);
                out.write(("HTTP/1.1 " + failureStatus + " Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .getBytes(ISO_8859_1));
                out.flush();
                return;
            }
            final long bodyLength = contentLength;
            long resetAfter = resetAfterBodyBytes.getAndUpdate(b -> b >= 0 && bodyLength > b ? -1 : b);
            byte[] response;
            oneAtATime.lock();
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
                OutputStream up = upstream.getOutputStream();
                up.write(forwardedHead.toByteArray());
                forwarded.incrementAndGet();
                if (resetAfter >= 0 && contentLength > resetAfter) {
                    copyExactly(in, up, resetAfter);
                    up.flush();
                    upstream.setSoLinger(true, 0);
                    client.setSoLinger(true, 0);
                    return;
                }
                if (chunked) {
                    copyChunked(in, up);
                } else {
                    copyExactly(in, up, contentLength);
                }
                up.flush();
                response = upstream.getInputStream().readAllBytes();
            } finally {
                oneAtATime.unlock();
            }
            long delay = responseDelayMillis.getAndSet(0);
            if (delay > 0) {
                Thread.sleep(delay);
            }
            out.write(response);
            out.flush();
        } catch (IOException e) {
            // the client sees its connection closed, as with a failing server
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void skipBody(InputStream in, boolean chunked, long contentLength) throws IOException {
        OutputStream discard = OutputStream.nullOutputStream();
        if (chunked) {
            copyChunked(in, discard);
        } else {
            copyExactly(in, discard, contentLength);
        }
    }

    /** The request head up to the blank line, without it; {@code null} at a clean end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b; (b = in.read()) != -1; ) {
            head.write(b);
            matched = (b == '\r' || b == '\n') ? (matched + 1) : 0;
            if (matched == 4) {
                byte[] bytes = head.toByteArray();
                return java.util.Arrays.copyOf(bytes, bytes.length - 4);
            }
        }
        return null;
    }

    private static void copyExactly(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        while (length > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, length));
            if (n < 0) {
                throw new IOException("request body ended early");
            }
            out.write(buffer, 0, n);
            length -= n;
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            out.write((sizeLine + "\r\n").getBytes(ISO_8859_1));
            long size = Long.parseLong(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                for (String trailer; !(trailer = readLine(in)).isEmpty(); ) {
                    out.write((trailer + "\r\n").getBytes(ISO_8859_1));
                }
                out.write("\r\n".getBytes(ISO_8859_1));
                return;
            }
            copyExactly(in, out, size + 2);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != -1 && b != '\n'; ) {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }
}
