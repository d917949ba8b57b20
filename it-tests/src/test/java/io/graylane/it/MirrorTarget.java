package io.graylane.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.AbstractMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real HTTP/1.1 mirror target on 127.0.0.1 that records what it receives (request line, headers in order, body
 * length and SHA-256; chunked bodies are decoded and flagged) and answers as told: 200, 500, after a delay, never
 * (a black hole that holds the connection until the client gives up), or not at all (the port refuses connections).
 */
final class MirrorTarget implements AutoCloseable {

    enum Mode { OK, ERROR_500, SLOW_300MS, SLOW_5S, BLACK_HOLE }

    /** One request as received. */
    record Received(String method, String target, List<Map.Entry<String, String>> headers, long bodyLength,
                    String sha256, boolean chunked) {

        /** Every value of header {@code name} (case-insensitive), in order. */
        List<String> header(String name) {
            List<String> values = new ArrayList<>();
            for (Map.Entry<String, String> h : headers) {
                if (h.getKey().equalsIgnoreCase(name)) values.add(h.getValue());
            }
            return values;
        }

        String requestId() {
            List<String> ids = header("x-request-id");
            return ids.isEmpty() ? null : ids.get(0);
        }
    }

    private final String name;
    private final int port;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
    private final ExecutorService handlers;
    private volatile ServerSocket server;
    private volatile Mode mode = Mode.OK;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger maxInFlight = new java.util.concurrent.atomic.AtomicInteger();

    MirrorTarget(String name) throws IOException {
        this.name = name;
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, name + "-connection");
            t.setDaemon(true);
            return t;
        });
        this.port = listen(0);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    void mode(Mode newMode) {
        mode = newMode;
    }

    /** The most requests this target has held at once (received, not yet answered). */
    int maxInFlight() {
        return maxInFlight.get();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /**
     * Goes down: closes the listening socket and every open connection; connections to the port are refused until
     * {@link #accept()}.
     */
    synchronized void refuse() throws IOException {
        ServerSocket s = server;
        server = null;
        if (s != null) s.close();
        for (Socket open : connections) open.close();
    }

    /** Listens again on the same port. */
    synchronized void accept() throws IOException {
        if (server == null) listen(port);
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    List<Received> received(Predicate<Received> filter) {
        return received.stream().filter(filter).toList();
    }

    private synchronized int listen(int wanted) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 200);
        server = s;
        Thread acceptor = new Thread(() -> acceptLoop(s), name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return s.getLocalPort();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket socket = s.accept();
                accepted.incrementAndGet();
                connections.add(socket);
                handlers.execute(() -> handle(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket socket) {
        try (socket) {
            socket.setSoTimeout(60_000);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            // HTTP/1.1 keep-alive: the connection serves requests until the client (or refuse()) closes it
            for (Received request = read(in); request != null; request = read(in)) {
                received.add(request);
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                try {
                    switch (mode) {
                        case OK -> answer(socket, "200 OK");
                        case ERROR_500 -> answer(socket, "500 Internal Server Error");
                        case SLOW_300MS -> {
                            Thread.sleep(300);
                            answer(socket, "200 OK");
                        }
                        case SLOW_5S -> {
                            Thread.sleep(5_000);
                            answer(socket, "200 OK");
                        }
                        case BLACK_HOLE -> {
                            // never answer; hold the connection until the client gives up and closes it
                            while (in.read() >= 0) {
                                // discard
                            }
                            return;
                        }
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        } finally {
            connections.remove(socket);
        }
    }

    private static void answer(Socket socket, String status) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static Received read(InputStream in) throws IOException {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) return null;
        String[] parts = requestLine.split(" ");
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        long contentLength = -1;
        boolean chunked = false;
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            headers.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
            if (name.equalsIgnoreCase("content-length")) contentLength = Long.parseLong(value);
            if (name.equalsIgnoreCase("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) chunked = true;
        }
        MessageDigest sha = sha256();
        long length = 0;
        byte[] buffer = new byte[65536];
        if (chunked) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                length += copy(in, size, sha, buffer);
                line(in);
            }
            for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                // trailers are ignored
            }
        } else if (contentLength > 0) {
            length = copy(in, contentLength, sha, buffer);
        }
        return new Received(parts[0], parts.length > 1 ? parts[1] : "", List.copyOf(headers), length,
                HexFormat.of().formatHex(sha.digest()), chunked);
    }

    private static long copy(InputStream in, long size, MessageDigest sha, byte[] buffer) throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) throw new IOException("body ended " + left + " bytes early");
            sha.update(buffer, 0, n);
            left -= n;
        }
        return size;
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        refuse();
        for (Socket s : connections) s.close();
        handlers.shutdownNow();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (" + url() + ", " + received.size() + " received, closed " + closed + ")";
    }
}
