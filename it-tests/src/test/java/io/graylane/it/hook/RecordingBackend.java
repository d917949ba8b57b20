package io.graylane.it.hook;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backend of the outbound calls under test: a JDK HttpServer on 127.0.0.1 (no graylane hook touches it) that
 * answers {@code ok} and records, per path, the header lines it received, names lower-cased, one value per line.
 */
final class RecordingBackend {

    private final HttpServer server;
    private final Map<String, Map<String, List<String>>> received = new ConcurrentHashMap<>();

    private RecordingBackend(HttpServer server) {
        this.server = server;
    }

    static RecordingBackend start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        RecordingBackend backend = new RecordingBackend(server);
        server.createContext("/", exchange -> {
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).addAll(values));
            backend.received.put(exchange.getRequestURI().getPath(), headers);
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return backend;
    }

    /** A path no call has used yet. */
    String newPath() {
        return "/r/" + UUID.randomUUID();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Whether a request to {@code path} arrived. */
    boolean hasReceived(String path) {
        return received.containsKey(path);
    }

    /** The headers of the request to {@code path}; fails if none arrived (the call returns after the answer). */
    Map<String, List<String>> received(String path) {
        Map<String, List<String>> headers = received.get(path);
        if (headers == null) {
            fail("the backend never received a request for " + path + "; it received " + received.keySet());
        }
        return headers;
    }

    void stop() {
        server.stop(0);
    }
}
