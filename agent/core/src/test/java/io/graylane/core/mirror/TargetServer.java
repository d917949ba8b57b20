package io.graylane.core.mirror;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A loopback HTTP/1.1 server for tests: records each request (head and Content-Length body), answers {@link #answer}. */
final class TargetServer implements AutoCloseable {

    /** One request as received. */
    static final class Received {
        final String head;
        final byte[] body;

        Received(String head, byte[] body) {
            this.head = head;
            this.body = body;
        }

        String requestLine() {
            return head.substring(0, head.indexOf("\r\n"));
        }

        /** Every value of a header, case-insensitively. */
        List<String> header(String name) {
            List<String> values = new ArrayList<>();
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) values.add(line.substring(colon + 1).trim());
            }
            return values;
        }
    }

    final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final ServerSocket server;
    private final Thread acceptor;
    /** Raw bytes written back; null: never answer (hold the connection). */
    volatile String answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    /** Whether requests are read at all (false: accept and never read). */
    volatile boolean read = true;
    /** Whether a connection serves further requests after an answer (else it is closed after one). */
    volatile boolean keepAlive;
    /** How long each answer is held back. */
    volatile long answerDelayMillis;
    /** Requests received and not yet answered, and the most there have been at once. */
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** Connections accepted so far. */
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

    TargetServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(new Runnable() {
            @Override
            public void run() {
                accept();
            }
        }, "target-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    Received next(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    private void accept() {
        while (!server.isClosed()) {
            final Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return;
            }
            connections.incrementAndGet();
            Thread handler = new Thread(new Runnable() {
                @Override
                public void run() {
                    handle(socket);
                }
            }, "target-connection");
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void handle(Socket socket) {
        try (Socket s = socket) {
            if (!read) {
                Thread.sleep(60_000);
                return;
            }
            s.setTcpNoDelay(true); // answers to pipelined requests go out at once, not after the client's ACK
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            do {
                if (!serveOne(in, s.getOutputStream())) return;
            } while (keepAlive);
        } catch (IOException | InterruptedException ignored) {
            // the client went away
        }
    }

    /** Reads one request and answers it; false when the connection is over. */
    private boolean serveOne(InputStream in, OutputStream out) throws IOException, InterruptedException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) return false;
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String text = new String(head.toByteArray(), StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        byte[] body = new byte[length];
        for (int off = 0; off < length; ) {
            int n = in.read(body, off, length - off);
            if (n < 0) return false;
            off += n;
        }
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            received.add(new Received(text, body));
            String reply = answer;
            if (reply == null) {
                Thread.sleep(60_000);
                return false;
            }
            if (answerDelayMillis > 0) Thread.sleep(answerDelayMillis);
            out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return true;
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
