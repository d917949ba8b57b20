package io.graylane.samples;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * Backend service on embedded Tomcat 9 (javax servlet): {@code java -jar graylane-backend.jar PORT [NEXT_URL]}.
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>any method on {@code /echo} -> the received headers as JSON; with NEXT_URL, also NEXT_URL/echo's answer.
 *   A request body is read and logged (length, SHA-256)</li>
 * </ul>
 */
public final class BackendApp {

    private static final String HOST = BindAddress.get();
    private static final Duration DOWNSTREAM_TIMEOUT = Duration.ofSeconds(5);

    private BackendApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -jar graylane-backend.jar PORT [NEXT_URL]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String nextUrl = args.length == 2 ? args[1].replaceAll("/+$", "") : null;

        File baseDir = Files.createTempDirectory("graylane-backend-tomcat").toFile();
        baseDir.deleteOnExit();
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.getAbsolutePath());

        Connector connector = new Connector(); // HTTP/1.1, NIO
        connector.setPort(port);
        connector.setProperty("address", HOST);
        connector.setProperty("maxHttpHeaderSize", "65536"); // the agent may forward large headers
        // callers keep their connections: Tomcat's default closes one after 100 requests, and under load the
        // reconnects (about a hundred a second) made the caller's CPU per request swing by a fifth from run to run
        connector.setProperty("maxKeepAliveRequests", "-1");
        tomcat.setConnector(connector);

        // a bare context: no web.xml, no annotation or JSP scanning
        Context context = tomcat.addContext("", baseDir.getAbsolutePath());
        Tomcat.addServlet(context, "backend", new BackendServlet(nextUrl));
        context.addServletMappingDecoded("/*", "backend");
        if (ManualPropagation.ENABLED) {
            FilterDef filter = new FilterDef();
            filter.setFilterName("manual-propagation");
            filter.setFilter(new ManualPropagation.JavaxFilter());
            context.addFilterDef(filter);
            FilterMap mapping = new FilterMap();
            mapping.setFilterName("manual-propagation");
            mapping.addURLPattern("/*");
            context.addFilterMap(mapping);
        }

        tomcat.start();
        System.out.println("[backend] listening on " + HOST + ":" + port);
        tomcat.getServer().await();
    }

    static final class BackendServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;
        private static final String TEXT_PLAIN = "text/plain;charset=utf-8";
        private static final String APPLICATION_JSON = "application/json"; // UTF-8 by definition (RFC 8259)

        private final String nextUrl;

        BackendServlet(String nextUrl) {
            this.nextUrl = nextUrl;
        }

        /** Handles every method itself, so /echo answers GET, POST, PUT, ... alike. */
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            AccessLog.log("backend", req.getMethod(), req.getRequestURI(), req::getHeader);
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            if (path.equals("/health")) {
                send(resp, 200, TEXT_PLAIN, "ok");
            } else if (path.equals("/echo")) {
                echo(req, resp);
            } else {
                send(resp, 404, TEXT_PLAIN, "not found: " + path);
            }
        }

        private void echo(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Bodies.Read body = Bodies.read(req.getInputStream(), -1);
            if (body.bytes() > 0) {
                System.out.println("[backend] " + req.getMethod() + " " + req.getRequestURI() + " read " + body.bytes()
                        + " body bytes, sha256 " + body.sha256() + ", x-request-id=" + req.getHeader("x-request-id")
                        + ("1".equals(req.getHeader("x-graylane-mirror")) ? " (shadow copy)" : ""));
            }
            StringBuilder json = new StringBuilder("{\"service\":\"backend\"").append(Json.lane()).append(",\"headers\":")
                    .append(Json.headers(req.getHeaderNames(), req::getHeaders));
            if (nextUrl != null) {
                json.append(",\"downstream\":").append(downstream());
            }
            send(resp, 200, APPLICATION_JSON, json.append('}').toString());
        }

        /** NEXT_URL/echo's JSON body verbatim, or {"error":"..."}. */
        private String downstream() {
            try {
                return UrlConnectionGet.get(nextUrl + "/echo", List.of(), DOWNSTREAM_TIMEOUT);
            } catch (IOException | RuntimeException e) {
                return Json.error(e);
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
