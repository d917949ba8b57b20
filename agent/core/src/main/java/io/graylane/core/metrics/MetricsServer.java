package io.graylane.core.metrics;

import io.graylane.core.log.Log;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.Charset;

/**
 * {@code GET /metrics} (graylane.metrics.port, graylane.metrics.host): a minimal HTTP/1.1 server on one daemon
 * thread, which binds, then answers one connection at a time and closes it ({@code Connection: close}). Strict
 * bounds: a request head of at most {@value #MAX_HEAD_BYTES} bytes, read within {@value #TIMEOUT_MILLIS} ms; any
 * body is ignored. {@code HEAD} is answered too; other paths get 404, other methods 405. A port that cannot be bound
 * is logged in one line and the service runs on without the endpoint.
 */
public final class MetricsServer implements Runnable {

    static final int MAX_HEAD_BYTES = 8192;
    static final int TIMEOUT_MILLIS = 5000;
    private static final Charset ASCII = Charset.forName("US-ASCII");
    private static final Charset UTF_8 = Charset.forName("UTF-8");

    private final String host;
    private final int port;
    private volatile ServerSocket socket;
    private volatile boolean stopped;
    /** Set once the socket is bound or binding failed; for tests. */
    private final Object bound = new Object();
    private boolean bindDone;

    private MetricsServer(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Starts the endpoint's thread; binding happens there, off the caller's start-up path. */
    public static MetricsServer start(String host, int port) {
        MetricsServer server = new MetricsServer(host, port);
        Thread thread = new Thread(server, "graylane-metrics");
        thread.setDaemon(true);
        thread.setContextClassLoader(null);
        try {
            thread.start();
        } catch (Throwable refused) {
            Log.warn("metrics endpoint not started: its thread cannot be started (" + refused + "); the service runs on without it");
            server.boundDone();
        }
        return server;
    }

    @Override
    public void run() {
        ServerSocket listening;
        try {
            listening = new ServerSocket();
            listening.setReuseAddress(true);
            listening.bind(new InetSocketAddress(InetAddress.getByName(host), port), 16);
        } catch (IOException | RuntimeException e) {
            Log.warn("metrics endpoint not started: cannot listen on " + host + ":" + port
                    + " (graylane.metrics.host, graylane.metrics.port): " + e + "; the service runs on without it");
            boundDone();
            return;
        }
        socket = listening;
        boundDone();
        while (!stopped) {
            Socket connection;
            try {
                connection = listening.accept();
            } catch (IOException e) {
                if (stopped) return;
                continue;
            }
            try {
                serve(connection);
            } catch (IOException | RuntimeException e) {
                if (Log.isDebug()) Log.debug("metrics: a scrape failed: " + e);
            } finally {
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // nothing to do
                }
            }
        }
    }

    private void boundDone() {
        synchronized (bound) {
            bindDone = true;
            bound.notifyAll();
        }
    }

    /** For tests: the bound port, or -1 when binding failed (waits for the attempt, at most {@code millis}). */
    public int awaitBound(long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        synchronized (bound) {
            while (!bindDone) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) break;
                bound.wait(left);
            }
        }
        ServerSocket s = socket;
        return s == null ? -1 : s.getLocalPort();
    }

    /** Closes the listening socket; the thread ends. */
    public void stop() {
        stopped = true;
        ServerSocket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static void serve(Socket connection) throws IOException {
        connection.setSoTimeout(TIMEOUT_MILLIS);
        String requestLine = readHead(new BufferedInputStream(connection.getInputStream(), 1024), System.currentTimeMillis() + TIMEOUT_MILLIS);
        OutputStream out = connection.getOutputStream();
        if (requestLine == null) {
            respond(out, "400 Bad Request", "text/plain; charset=utf-8", "bad request\n", true);
            return;
        }
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3 || !parts[2].startsWith("HTTP/")) {
            respond(out, "400 Bad Request", "text/plain; charset=utf-8", "bad request\n", true);
            return;
        }
        boolean head = parts[0].equals("HEAD");
        if (!head && !parts[0].equals("GET")) {
            respond(out, "405 Method Not Allowed\r\nAllow: GET, HEAD", "text/plain; charset=utf-8",
                    "only GET and HEAD\n", true);
            return;
        }
        String path = parts[1];
        int query = path.indexOf('?');
        if (query >= 0) path = path.substring(0, query);
        if (!path.equals("/metrics")) {
            respond(out, "404 Not Found", "text/plain; charset=utf-8", "graylane serves /metrics only\n", !head);
            return;
        }
        respond(out, "200 OK", MetricsWriter.CONTENT_TYPE, Metrics.scrape(), !head);
    }

    /**
     * Reads the request head up to the empty line; returns the request line, or null when the head is malformed,
     * longer than {@link #MAX_HEAD_BYTES} or slower than the deadline.
     */
    static String readHead(InputStream in, long deadline) throws IOException {
        byte[] head = new byte[MAX_HEAD_BYTES];
        int length = 0;
        int lineEnd = -1;
        while (true) {
            if (System.currentTimeMillis() > deadline) return null;
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (b < 0 || length == head.length) return null;
            head[length++] = (byte) b;
            if (b == '\n') {
                if (lineEnd < 0) lineEnd = length;
                // end of head: "\n\n" or "\r\n\r\n"
                if ((length >= 2 && head[length - 2] == '\n')
                        || (length >= 4 && head[length - 2] == '\r' && head[length - 3] == '\n')) {
                    break;
                }
            }
        }
        int end = lineEnd;
        while (end > 0 && (head[end - 1] == '\n' || head[end - 1] == '\r')) end--;
        return new String(head, 0, end, ASCII);
    }

    private static void respond(OutputStream out, String status, String contentType, String body, boolean withBody)
            throws IOException {
        byte[] bytes = body.getBytes(UTF_8);
        String head = "HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(head.getBytes(ASCII));
        if (withBody) out.write(bytes);
        out.flush();
    }
}
