package io.graylane.samples;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Front service on embedded Jetty 12 (jakarta servlet):
 * {@code java -jar graylane-front.jar PORT BACKEND_URL [REVIEWS_HOST:PORT] [NAME=REVIEWS_HOST:PORT...]}.
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /call/{client}[?set-header=NAME:VALUE...][&calls=N]} -> calls BACKEND_URL/echo with that client
 *       (N times one after the other, 1 to 100, default 1; the last answer is shown)</li>
 *   <li>{@code GET /call/grpc[-future|-async|-stream|-later][?set-header=NAME:VALUE...]} -> calls the reviews
 *       service over gRPC with that stub ({@link ReviewsClient}); the streaming call's answers are all under
 *       {@code "replies"}, the first also under {@code "downstream"}; with {@code reviews=NAME} among the
 *       parameters, the reviews given as NAME=REVIEWS_HOST:PORT is called instead of REVIEWS_HOST:PORT</li>
 *   <li>{@code GET /background?client=...[&set-header=NAME:VALUE...]} -> same call, made on the background thread</li>
 *   <li>{@code GET /hop/{hop}} -> a backend call made after a hop to another thread (see {@link Hops}, plus
 *   {@code async-servlet})</li>
 *   <li>{@code GET /event-loop/start} -> starts the thread of a Netty event loop from this request (once);
 *   {@code GET /event-loop/call} -> a backend call (HttpURLConnection) made on that loop's thread ({@link LazyEventLoop})</li>
 *   <li>any method on {@code /body[?max=N]} -> reads the request body (at most N bytes) from its input stream and
 *   answers its length and SHA-256; {@code /body/reader} reads it through {@code getReader()};
 *   {@code /body/async} reads it in an {@code AsyncContext.start} task</li>
 *   <li>{@code POST /form} -> the request parameters (a URL-encoded form body is parsed by the container)</li>
 *   <li>any method on {@code /ignore-body} -> answers without reading the body</li>
 *   <li>GET or POST {@code /orders[?client=NAME]} -> an order service's reads and writes: SQL on the databases of
 *   {@code -Dfront.jdbc=URL,...}, GET and POST to the backend with that client (default url-connection; none: no
 *   HTTP calls) (see {@link Orders})</li>
 * </ul>
 */
public final class FrontApp {

    private static final String HOST = BindAddress.get();

    private FrontApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: java -jar graylane-front.jar PORT BACKEND_URL [REVIEWS_HOST:PORT]"
                    + " [NAME=REVIEWS_HOST:PORT...]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String backendUrl = args[1].replaceAll("/+$", "");
        // the reviews services by name; "" is the one /call/grpc* calls without a reviews=NAME parameter
        Map<String, ReviewsClient> reviews = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq == 0 || (eq < 0 && i > 2)) {
                System.err.println("expected NAME=REVIEWS_HOST:PORT, got " + args[i]);
                System.exit(2);
            }
            reviews.put(eq < 0 ? "" : args[i].substring(0, eq), new ReviewsClient(args[i].substring(eq + 1)));
        }

        Clients clients = new Clients();
        BackgroundCaller background = new BackgroundCaller(clients);
        background.start();

        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(65536);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(HOST);
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder front = new ServletHolder(new FrontServlet(clients, reviews, background,
                new Hops(backendUrl + "/echo"), backendUrl + "/echo"));
        front.setAsyncSupported(true);
        context.addServlet(front, "/*");
        if (ManualPropagation.ENABLED) {
            context.addFilter(new FilterHolder(new ManualPropagation.JakartaFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        server.setHandler(context);

        server.start();
        System.out.println("[front] listening on " + HOST + ":" + port + " -> " + backendUrl);
        server.join();
    }

    static final class FrontServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;
        private static final String TEXT_PLAIN = "text/plain;charset=utf-8";
        private static final String APPLICATION_JSON = "application/json"; // UTF-8 by definition (RFC 8259)

        private final transient Clients clients;
        /** by name; "" for the reviews called without a reviews=NAME parameter */
        private final transient Map<String, ReviewsClient> reviews;
        private final transient BackgroundCaller background;
        private final transient Hops hops;
        private final String echoUrl;
        private final transient Orders orders;
        private final transient LazyEventLoop eventLoop = new LazyEventLoop();

        FrontServlet(Clients clients, Map<String, ReviewsClient> reviews, BackgroundCaller background, Hops hops,
                     String echoUrl) {
            this.clients = clients;
            this.reviews = reviews;
            this.background = background;
            this.hops = hops;
            this.echoUrl = echoUrl;
            this.orders = new Orders(clients, echoUrl);
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp)
                throws ServletException, IOException {
            AccessLog.log("front", req.getMethod(), req.getRequestURI(), req::getHeader);
            super.service(req, resp);
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            if (!bodyEndpoint(req, resp, path)) {
                send(resp, 404, TEXT_PLAIN, "not found: " + path);
            }
        }

        @Override
        protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            doPost(req, resp);
        }

        /** The endpoints that take a request body; false when {@code path} is none of them. */
        private boolean bodyEndpoint(HttpServletRequest req, HttpServletResponse resp, String path) throws IOException {
            switch (path) {
                case "/body" -> {
                    // from the query string by hand: getParameter would make the container parse a form body
                    String max = queryValue(req.getQueryString(), "max");
                    Bodies.Read read = Bodies.read(req.getInputStream(), max == null ? -1 : Long.parseLong(max));
                    logBody(req, read);
                    send(resp, 200, APPLICATION_JSON, read.json("front", req.getMethod(), "stream"));
                }
                case "/body/reader" -> {
                    Charset charset = Charset.forName(req.getCharacterEncoding() == null ? "ISO-8859-1" : req.getCharacterEncoding());
                    Bodies.Read read = Bodies.read(req.getReader(), charset);
                    logBody(req, read);
                    send(resp, 200, APPLICATION_JSON, read.json("front", req.getMethod(), "reader"));
                }
                case "/body/async" -> {
                    AsyncContext async = req.startAsync();
                    async.start(() -> {
                        HttpServletResponse response = (HttpServletResponse) async.getResponse();
                        try {
                            Bodies.Read read = Bodies.read(req.getInputStream(), -1);
                            logBody(req, read);
                            send(response, 200, APPLICATION_JSON, read.json("front", req.getMethod(), "async"));
                        } catch (IOException | RuntimeException e) {
                            try {
                                send(response, 500, APPLICATION_JSON, Json.error(e));
                            } catch (IOException ignored) {
                                // the client is gone
                            }
                        } finally {
                            async.complete();
                        }
                    });
                }
                case "/form" -> {
                    StringBuilder json = new StringBuilder("{\"service\":\"front\",\"parameters\":{");
                    String separator = "";
                    for (Map.Entry<String, String[]> p : req.getParameterMap().entrySet()) {
                        json.append(separator).append(Json.quote(p.getKey())).append(":[");
                        for (int i = 0; i < p.getValue().length; i++) {
                            json.append(i == 0 ? "" : ",").append(Json.quote(p.getValue()[i]));
                        }
                        json.append(']');
                        separator = ",";
                    }
                    send(resp, 200, APPLICATION_JSON, json.append("}}").toString());
                }
                case "/orders" -> {
                    if (!req.getMethod().equals("GET")) {
                        Bodies.read(req.getInputStream(), -1); // read whole, so the mirror copies the body
                    }
                    String client = queryValue(req.getQueryString(), "client");
                    send(resp, 200, APPLICATION_JSON, orders.run(req.getHeader("x-request-id"), req.getMethod(),
                            client == null ? "url-connection" : client.equals("none") ? null : client));
                }
                case "/ignore-body" -> send(resp, 200, APPLICATION_JSON, "{\"service\":\"front\",\"read\":\"nothing\"}");
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** A failed outbound call, in the log too: a shadow copy's answer goes nowhere else. */
        private static void logFailure(HttpServletRequest req, Exception e) {
            System.out.println("[front] " + req.getRequestURI() + " x-request-id=" + req.getHeader("x-request-id")
                    + " failed: " + e);
        }

        private static String queryValue(String query, String name) {
            if (query == null) {
                return null;
            }
            for (String pair : query.split("&")) {
                if (pair.startsWith(name + "=")) {
                    return pair.substring(name.length() + 1);
                }
            }
            return null;
        }

        private static void logBody(HttpServletRequest req, Bodies.Read read) {
            System.out.println("[front] " + req.getMethod() + " " + req.getRequestURI() + " read " + read.bytes()
                    + " body bytes, sha256 " + read.sha256().substring(0, 16) + "..., x-request-id=" + req.getHeader("x-request-id")
                    + ("1".equals(req.getHeader("x-graylane-mirror")) ? " (shadow copy)" : ""));
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            if (bodyEndpoint(req, resp, path)) {
                return;
            }
            if (path.equals("/health")) {
                send(resp, 200, TEXT_PLAIN, "ok");
            } else if (path.startsWith("/call/grpc")) {
                callReviews(req, resp, path.substring("/call/".length()));
            } else if (path.startsWith("/call/")) {
                call(req, resp, path.substring("/call/".length()));
            } else if (path.equals("/background")) {
                background(req, resp, req.getParameter("client"));
            } else if (path.startsWith("/event-loop/")) {
                eventLoop(resp, path.substring("/event-loop/".length()));
            } else if (path.equals("/hop/async-servlet")) {
                asyncServlet(req);
            } else if (path.startsWith("/hop/")) {
                hop(req, resp, path.substring("/hop/".length()));
            } else {
                send(resp, 404, TEXT_PLAIN, "not found: " + path);
            }
        }

        private void call(HttpServletRequest req, HttpServletResponse resp, String client) throws IOException {
            List<ExtraHeader> headers = checkedRequest(req, resp, client);
            if (headers == null) {
                return;
            }
            int calls;
            try {
                calls = req.getParameter("calls") == null ? 1 : Integer.parseInt(req.getParameter("calls"));
            } catch (NumberFormatException e) {
                calls = 0;
            }
            if (calls < 1 || calls > 100) {
                send(resp, 400, TEXT_PLAIN, "calls must be a number from 1 to 100, got " + req.getParameter("calls"));
                return;
            }
            String body = null;
            try {
                for (int i = 0; i < calls; i++) body = clients.call(client, echoUrl, headers);
            } catch (Exception e) {
                logFailure(req, e);
                send(resp, 502, APPLICATION_JSON, Json.error(e));
                return;
            }
            send(resp, 200, APPLICATION_JSON, "{\"service\":\"front\"" + Json.lane() + ",\"client\":" + Json.quote(client)
                    + ",\"headers\":" + Json.headers(req.getHeaderNames(), req::getHeaders)
                    + ",\"downstream\":" + body + "}");
        }

        private void eventLoop(HttpServletResponse resp, String action) throws IOException {
            try {
                switch (action) {
                    case "start" -> {
                        eventLoop.start();
                        send(resp, 200, TEXT_PLAIN, "started");
                    }
                    case "call" -> send(resp, 200, APPLICATION_JSON, "{\"service\":\"front\"" + Json.lane()
                            + ",\"downstream\":" + eventLoop.run(() -> UrlConnectionGet.get(echoUrl, List.of(),
                            Clients.READ_TIMEOUT)) + "}");
                    default -> send(resp, 404, TEXT_PLAIN, "not found: /event-loop/" + action);
                }
            } catch (Exception e) {
                send(resp, 502, APPLICATION_JSON, Json.error(e));
            }
        }

        private void callReviews(HttpServletRequest req, HttpServletResponse resp, String client) throws IOException {
            String name = req.getParameter("reviews");
            ReviewsClient target = reviews.get(name == null ? "" : name);
            if (target == null) {
                send(resp, 404, TEXT_PLAIN, name == null ? "no REVIEWS_HOST:PORT argument given"
                        : "unknown reviews: " + name + " (known: " + reviews.keySet() + ")");
                return;
            }
            if (!target.knows(client)) {
                send(resp, 404, TEXT_PLAIN, "unknown client: " + client + " (known: " + target.names() + ")");
                return;
            }
            List<ExtraHeader> headers = setHeaders(req, resp);
            if (headers == null) {
                return;
            }
            List<String> replies;
            try {
                replies = target.call(client, headers);
            } catch (Exception e) {
                logFailure(req, e);
                send(resp, 502, APPLICATION_JSON, Json.error(e));
                return;
            }
            StringBuilder json = new StringBuilder("{\"service\":\"front\"").append(Json.lane()).append(",\"client\":")
                    .append(Json.quote(client));
            if (name != null) {
                json.append(",\"reviews\":").append(Json.quote(name));
            }
            json.append(",\"headers\":").append(Json.headers(req.getHeaderNames(), req::getHeaders))
                    .append(",\"downstream\":").append(replies.isEmpty() ? "null" : replies.get(0));
            if (client.equals("grpc-stream")) {
                json.append(",\"replies\":[").append(String.join(",", replies)).append(']');
            }
            send(resp, 200, APPLICATION_JSON, json.append('}').toString());
        }

        private void background(HttpServletRequest req, HttpServletResponse resp, String client) throws IOException {
            List<ExtraHeader> headers = checkedRequest(req, resp, client);
            if (headers == null) {
                return;
            }
            String body;
            try {
                body = Clients.await(background.submit(client, echoUrl, headers));
            } catch (Exception e) {
                send(resp, 502, APPLICATION_JSON, Json.error(e));
                return;
            }
            send(resp, 200, APPLICATION_JSON, "{\"service\":\"front\",\"client\":" + Json.quote(client)
                    + ",\"thread\":" + Json.quote(BackgroundCaller.THREAD_NAME)
                    + ",\"downstream\":" + body + "}");
        }

        private void hop(HttpServletRequest req, HttpServletResponse resp, String hop) throws IOException {
            if (!hops.knows(hop)) {
                send(resp, 404, TEXT_PLAIN, "unknown hop: " + hop);
                return;
            }
            try {
                send(resp, 200, APPLICATION_JSON, hopJson(req, hop, hops.run(hop)));
            } catch (Exception e) {
                send(resp, 502, APPLICATION_JSON, Json.error(e));
            }
        }

        /** The backend call is made in a task the container runs via AsyncContext.start, after service() returned. */
        private void asyncServlet(HttpServletRequest req) {
            AsyncContext async = req.startAsync();
            String inbound = Json.headers(req.getHeaderNames(), req::getHeaders);
            async.start(() -> {
                HttpServletResponse resp = (HttpServletResponse) async.getResponse();
                try {
                    String body = UrlConnectionGet.get(echoUrl, List.of(), Clients.READ_TIMEOUT);
                    send(resp, 200, APPLICATION_JSON, "{\"service\":\"front\",\"hop\":\"async-servlet\",\"headers\":"
                            + inbound + ",\"downstream\":" + body + "}");
                } catch (Exception e) {
                    try {
                        send(resp, 502, APPLICATION_JSON, Json.error(e));
                    } catch (IOException ignored) {
                        // the client is gone
                    }
                } finally {
                    async.complete();
                }
            });
        }

        private static String hopJson(HttpServletRequest req, String hop, String body) {
            return "{\"service\":\"front\",\"hop\":" + Json.quote(hop)
                    + ",\"headers\":" + Json.headers(req.getHeaderNames(), req::getHeaders)
                    + ",\"downstream\":" + body + "}";
        }

        /** The set-header list, or null after answering 404 (unknown client) or 400 (bad set-header). */
        private List<ExtraHeader> checkedRequest(HttpServletRequest req, HttpServletResponse resp, String client)
                throws IOException {
            if (!clients.knows(client)) {
                send(resp, 404, TEXT_PLAIN, "unknown client: " + client + " (known: " + clients.names() + ")");
                return null;
            }
            return setHeaders(req, resp);
        }

        /** The set-header list, or null after answering 400 (bad set-header). */
        private List<ExtraHeader> setHeaders(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            try {
                return ExtraHeader.parseAll(req.getParameterValues("set-header"));
            } catch (IllegalArgumentException e) {
                send(resp, 400, TEXT_PLAIN, e.getMessage());
                return null;
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
