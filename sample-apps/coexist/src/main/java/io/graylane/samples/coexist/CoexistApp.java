package io.graylane.samples.coexist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A service that ships what real services ship next to an agent: its own Byte Buddy and TransmittableThreadLocal.
 * {@code java -cp ... io.graylane.samples.coexist.CoexistApp PORT BACKEND_URL} (Jetty 12, 127.0.0.1):
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /bytebuddy[?name=NAME]} -> which Byte Buddy the application sees, the answers of a class it
 *   generated at start-up and of one it generates for this request, and BACKEND_URL/echo's answer to a call made
 *   inside the generated class (see {@link OwnByteBuddy})</li>
 *   <li>{@code GET /ttl/{hop}[?ttl=VALUE]} -> sets the application's TransmittableThreadLocal to VALUE for this request
 *   (if given), then calls BACKEND_URL/echo from a task run through the hop; answers what the task saw (see
 *   {@link TtlHops})</li>
 * </ul>
 */
public final class CoexistApp {

    private static final String HOST = "127.0.0.1";

    private CoexistApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: CoexistApp PORT BACKEND_URL");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String echoUrl = args[1].replaceAll("/+$", "") + "/echo";

        // like Hibernate's entity proxies: generated once, before the first request
        OwnByteBuddy byteBuddy = new OwnByteBuddy(echoUrl);
        TtlHops hops = new TtlHops(echoUrl);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(HOST);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new CoexistServlet(byteBuddy, hops)), "/*");
        server.setHandler(context);
        server.start();
        System.out.println("[coexist] listening on " + HOST + ":" + port + " -> " + echoUrl
                + "; Byte Buddy " + OwnByteBuddy.version() + " from " + OwnByteBuddy.jarName());
        server.join();
    }

    static final class CoexistServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        private final transient OwnByteBuddy byteBuddy;
        private final transient TtlHops hops;

        CoexistServlet(OwnByteBuddy byteBuddy, TtlHops hops) {
            this.byteBuddy = byteBuddy;
            this.hops = hops;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            try {
                if (path.equals("/health")) {
                    send(resp, 200, "text/plain;charset=utf-8", "ok");
                } else if (path.equals("/bytebuddy")) {
                    String name = req.getParameter("name");
                    send(resp, 200, "application/json", byteBuddy.report(name == null ? "world" : name));
                } else if (path.startsWith("/ttl/") && hops.knows(path.substring("/ttl/".length()))) {
                    send(resp, 200, "application/json",
                            hops.run(path.substring("/ttl/".length()), req.getParameter("ttl")));
                } else {
                    send(resp, 404, "text/plain;charset=utf-8", "not found: " + path);
                }
            } catch (Exception e) {
                e.printStackTrace();
                send(resp, 502, "application/json", "{\"error\":" + Json.quote(String.valueOf(e)) + "}");
            }
        }

        private static void send(HttpServletResponse resp, int status, String contentType, String body)
                throws IOException {
            resp.setStatus(status);
            resp.setContentType(contentType);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            resp.setContentLength(bytes.length);
            resp.getOutputStream().write(bytes);
        }
    }
}
