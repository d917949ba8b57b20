package io.graylane.core.metrics;

import io.graylane.core.log.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsServerTest {

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private MetricsServer server;

    @BeforeEach
    void quietLog() {
        Log.setOut(new PrintStream(logged, true));
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop();
        Log.setOut(System.err);
    }

    private int start() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        server = MetricsServer.start("127.0.0.1", port);
        assertEquals(port, server.awaitBound(10_000), logged::toString);
        return port;
    }

    private static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer)) > 0; ) answer.write(buffer, 0, n);
            return new String(answer.toByteArray(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void getMetricsAnswersTheScrape() throws Exception {
        int port = start();
        String answer = exchange(port, "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
        assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
        assertTrue(answer.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), answer);
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(answer.contains("\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n"), answer);
        assertTrue(body.contains("# TYPE graylane_inbound_requests_total counter\n"), body);
        String head = exchange(port, "HEAD /metrics HTTP/1.0\n\n");
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.endsWith("\r\n\r\n"), head);
    }

    @Test
    void otherPathsMethodsAndGarbageAreRefusedAndTheServerGoesOn() throws Exception {
        int port = start();
        assertTrue(exchange(port, "GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 "));
        assertTrue(exchange(port, "POST /metrics HTTP/1.1\r\nContent-Length: 2\r\n\r\nab").startsWith("HTTP/1.1 405 "));
        assertTrue(exchange(port, "nonsense\r\n\r\n").startsWith("HTTP/1.1 400 "));
        StringBuilder huge = new StringBuilder("GET /metrics HTTP/1.1\r\nX: ");
        while (huge.length() < MetricsServer.MAX_HEAD_BYTES + 10) huge.append('a');
        assertTrue(exchange(port, huge + "\r\n\r\n").startsWith("HTTP/1.1 400 "));
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), port)) {
            silent.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
            // a client that closes half way through its request
        }
        assertTrue(exchange(port, "GET /metrics HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 200 OK"));
    }

    @Test
    void aPortInUseIsLoggedInOneLineAndNothingThrows() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server = MetricsServer.start("127.0.0.1", taken.getLocalPort());
            assertEquals(-1, server.awaitBound(10_000));
            String log = logged.toString();
            assertTrue(log.contains("metrics endpoint not started: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + " (graylane.metrics.host, graylane.metrics.port)"), log);
            assertEquals(1, log.split("\n").length, log);
        }
    }
}
