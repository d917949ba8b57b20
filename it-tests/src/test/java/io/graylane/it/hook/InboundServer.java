package io.graylane.it.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The inbound side: Jetty 12 (ee10, jakarta servlet) in this JVM, on 127.0.0.1. Its servlet runs a given outbound
 * call on the request thread, as an application would; the agent of this JVM opens the request's context around it.
 */
final class InboundServer {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final Server server;
    private final Map<String, Callable<String>> pending;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private InboundServer(Server server, Map<String, Callable<String>> pending) {
        this.server = server;
        this.pending = pending;
    }

    static InboundServer start() throws Exception {
        Map<String, Callable<String>> pending = new ConcurrentHashMap<>();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new RunServlet(pending)), "/run/*");
        server.setHandler(context);
        server.start();
        return new InboundServer(server, pending);
    }

    /**
     * Sends {@code GET /run/ID} with the given headers (name, value, ...); the servlet calls {@code outbound} and
     * answers what it returned. Fails unless the answer is 200.
     */
    String serve(Callable<String> outbound, String... headerNamesAndValues) throws Exception {
        String id = UUID.randomUUID().toString();
        pending.put(id, outbound);
        int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/run/" + id))
                .timeout(TIMEOUT)
                .GET();
        for (int i = 0; i < headerNamesAndValues.length; i += 2) {
            request.header(headerNamesAndValues[i], headerNamesAndValues[i + 1]);
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), () -> "the servlet's outbound call failed: " + response.body());
            return response.body();
        } finally {
            pending.remove(id);
        }
    }

    void stop() throws Exception {
        server.stop();
    }

    static final class RunServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;
        private final transient Map<String, Callable<String>> pending;

        RunServlet(Map<String, Callable<String>> pending) {
            this.pending = pending;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String id = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
            Callable<String> outbound = pending.get(id);
            String body;
            if (outbound == null) {
                resp.setStatus(404);
                body = "nothing to run for " + id;
            } else {
                try {
                    body = outbound.call();
                } catch (Exception e) {
                    StringWriter trace = new StringWriter();
                    e.printStackTrace(new PrintWriter(trace));
                    resp.setStatus(500);
                    body = trace.toString();
                }
            }
            resp.setContentType("text/plain;charset=utf-8");
            resp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
