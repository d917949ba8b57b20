package io.graylane.core.mirror;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Copies sent together, pipelined on one connection ({@link ShadowClient#pipeline}). */
class ShadowClientPipelineTest {

    private TargetServer target;
    private ShadowClient client;

    @AfterEach
    void close() throws IOException {
        if (client != null) client.close();
        if (target != null) target.close();
    }

    private static byte[] head(String path, int length) {
        return ("POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static ShadowClient.Batch batch(int copies, byte[] body) {
        ShadowClient.Batch batch = new ShadowClient.Batch(copies);
        for (int i = 0; i < copies; i++) batch.add(head("/" + i, body.length), body, body.length, false);
        return batch;
    }

    @Test
    void theCopiesGoOutTogetherOnOneConnectionAndEachGetsItsOwnAnswer() throws Exception {
        // answers only once all five requests have arrived, then all five in one write: the client cannot have waited
        // for an answer before sending the next request, and must split the answers where each ends
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            List<String> requestLines = new ArrayList<>();
            Thread answering = new Thread(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    StringBuilder seen = new StringBuilder();
                    while (count(seen, "ok!") < 5) {
                        int b = in.read();
                        if (b < 0) return;
                        seen.append((char) b);
                    }
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("POST /\\d+ HTTP/1\\.1").matcher(seen);
                    while (m.find()) requestLines.add(m.group());
                    StringBuilder answers = new StringBuilder();
                    for (int i = 0; i < 5; i++) {
                        String body = "answer " + i;
                        // a chunked answer in the middle, and an interim 100 before another
                        if (i == 2) answers.append("HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
                        else if (i == 3) answers.append("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 203 X\r\nContent-Length: 0\r\n\r\n");
                        else answers.append("HTTP/1.1 ").append(200 + i * 10).append(" X\r\nContent-Length: ")
                                    .append(body.length()).append("\r\n\r\n").append(body);
                    }
                    OutputStream out = s.getOutputStream();
                    out.write(answers.toString().getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    Thread.sleep(30_000);
                } catch (IOException | InterruptedException ignored) {
                    // the test is over
                }
            });
            answering.setDaemon(true);
            answering.start();
            client = new ShadowClient("127.0.0.1", server.getLocalPort());
            ShadowClient.Batch batch = batch(5, "ok!".getBytes(StandardCharsets.ISO_8859_1));
            client.pipeline(batch, 10_000);
            assertEquals(5, batch.answered);
            assertArrayEquals(new int[]{200, 210, 202, 203, 240}, batch.statuses);
            assertEquals(Arrays.asList("POST /0 HTTP/1.1", "POST /1 HTTP/1.1", "POST /2 HTTP/1.1", "POST /3 HTTP/1.1",
                    "POST /4 HTTP/1.1"), requestLines);
            assertEquals(1, client.connections());
        }
    }

    private static int count(CharSequence text, String part) {
        int n = 0;
        for (int i = text.toString().indexOf(part); i >= 0; i = text.toString().indexOf(part, i + 1)) n++;
        return n;
    }

    @Test
    void copiesATargetClosedOnWithoutProcessingAreSentAgainAndEachArrivesOnce() throws Exception {
        target = new TargetServer();
        target.keepAlive = false; // one request per connection: the rest of what arrived on it is never read
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        client = new ShadowClient("127.0.0.1", target.port());
        byte[] body = "hello".getBytes(StandardCharsets.ISO_8859_1);
        ShadowClient.Batch batch = batch(4, body);
        while (batch.answered < batch.size) client.pipeline(batch, 10_000);
        assertArrayEquals(new int[]{200, 200, 200, 200}, batch.statuses);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 4; i++) lines.add(target.next(5).requestLine());
        assertEquals(Arrays.asList("POST /0 HTTP/1.1", "POST /1 HTTP/1.1", "POST /2 HTTP/1.1", "POST /3 HTTP/1.1"), lines);
        assertNull(target.next(1), "each copy arrived exactly once");
        assertEquals(4, client.connections(), "Connection: close: the next copies went on a new connection each");
    }

    @Test
    void aTargetThatAnswersBeforeReadingEverythingCannotStallTheExchange() throws Exception {
        // 16 copies of 256 KiB each, every one answered with 1 MiB before the next is read: neither side's socket
        // buffers hold all of it, so the client must read answers while it still has requests to write
        target = new TargetServer();
        target.keepAlive = true;
        char[] big = new char[1 << 20];
        Arrays.fill(big, 'x');
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: " + big.length + "\r\n\r\n" + new String(big);
        client = new ShadowClient("127.0.0.1", target.port());
        byte[] body = new byte[256 * 1024];
        Arrays.fill(body, (byte) 'b');
        ShadowClient.Batch batch = batch(16, body);
        client.pipeline(batch, 20_000);
        assertEquals(16, batch.answered);
        for (int i = 0; i < 16; i++) {
            TargetServer.Received got = target.next(5);
            assertEquals("POST /" + i + " HTTP/1.1", got.requestLine());
            assertArrayEquals(body, got.body, "copy " + i + " whole");
        }
        assertEquals(1, client.connections());
    }

    @Test
    void aTargetThatAnswersOnlyTheFirstOfPipelinedRequestsFailsTheRestWithinTheTimeout() throws Exception {
        try (DroppingServer server = new DroppingServer()) {
            client = new ShadowClient("127.0.0.1", server.port());
            ShadowClient.Batch batch = batch(3, "hello".getBytes(StandardCharsets.ISO_8859_1));
            long start = System.nanoTime();
            assertThrows(SocketTimeoutException.class, () -> client.pipeline(batch, 300));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(1, batch.answered, "the first was answered");
            assertEquals(200, batch.statuses[0]);
            assertTrue(millis >= 290 && millis < 20_000, "waited the timeout for the second: " + millis);
        }
    }

    /**
     * A server that reads whatever has arrived, answers the first request in it and discards the rest (some HTTP
     * servers handle pipelined requests so).
     */
    static final class DroppingServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        /** Requests received, answered or not; and answered. */
        final java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();

        DroppingServer() throws IOException {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread t = new Thread(() -> serve(s), "dropping-connection");
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "dropping-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Socket socket) {
            try (Socket s = socket) {
                byte[] buffer = new byte[64 * 1024];
                InputStream in = s.getInputStream();
                StringBuilder pending = new StringBuilder();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) return;
                    pending.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    int requests = count(pending, " HTTP/1.1\r\n");
                    if (requests == 0 || pending.indexOf("\r\n\r\n") < 0) continue;
                    received.addAndGet(requests);
                    answered.incrementAndGet();
                    pending.setLength(0); // the rest of the read is dropped
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException ignored) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
