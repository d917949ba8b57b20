package io.graylane.samples;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.dubbo.common.Version;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.rpc.RpcContext;

/**
 * An HTTP front (embedded Tomcat 9, javax servlet) that calls the ratings Dubbo service:
 * {@code java -jar graylane-dubbo-front.jar PORT BACKEND_URL NAME=TARGET...}, where TARGET is a direct URL
 * ({@code dubbo://127.0.0.1:20880}, {@code tri://127.0.0.1:50051}) or a registry with the protocol to use
 * ({@code zookeeper://127.0.0.1:2181?protocol=tri}).
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /call/NAME[?mode=sync|get|twice|async|asynccall][&set-attachment=NAME:VALUE...]} -> calls ratings
 *       through TARGET NAME: once ({@code downstream}; {@code get}: by {@code getRating} instead of {@code rate}), twice in a row ({@code downstream} and {@code second}), or through
 *       the CompletableFuture method ({@code async}) or the plain method made asynchronous with
 *       {@code RpcContext.asyncCall} ({@code asynccall}), whose callback (on a Dubbo thread) also GETs BACKEND_URL/echo
 *       ({@code callback}). set-attachment values are set with RpcContext before each call.</li>
 * </ul>
 * Uses only API that Dubbo 2.7 and 3.x share (it runs on both).
 */
public final class DubboFrontApp {

    private static final long CALL_TIMEOUT_SECONDS = 10;
    private static final Duration CALLBACK_HTTP_TIMEOUT = Duration.ofSeconds(5);

    private DubboFrontApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: java -jar graylane-dubbo-front.jar PORT BACKEND_URL NAME=TARGET...");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String backendUrl = args[1].replaceAll("/+$", "");
        Map<String, String> addresses = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("expected NAME=TARGET, got " + args[i]);
                System.exit(2);
            }
            addresses.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        ApplicationConfig application = DubboSamples.application("graylane-dubbo-front",
                !addresses.values().stream().allMatch(DubboSamples::isDirect));
        Map<String, Ratings> targets = new LinkedHashMap<>();
        addresses.forEach((name, target) -> targets.put(name,
                DubboSamples.ratings(application, target, TimeUnit.SECONDS.toMillis(CALL_TIMEOUT_SECONDS))));

        File baseDir = Files.createTempDirectory("graylane-dubbo-front-tomcat").toFile();
        baseDir.deleteOnExit();
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.getAbsolutePath());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", RatingsApp.HOST);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.getAbsolutePath());
        Tomcat.addServlet(context, "front", new DubboFrontServlet(targets, backendUrl + "/echo"));
        context.addServletMappingDecoded("/*", "front");
        tomcat.start();
        System.out.println("[dubbo-front] listening on " + RatingsApp.HOST + ":" + port + " -> " + targets.keySet()
                + " (Dubbo " + Version.getVersion() + ")");
        tomcat.getServer().await();
    }

    static final class DubboFrontServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;
        private static final String TEXT_PLAIN = "text/plain;charset=utf-8";
        private static final String APPLICATION_JSON = "application/json";

        private final transient Map<String, Ratings> targets;
        private final String echoUrl;

        DubboFrontServlet(Map<String, Ratings> targets, String echoUrl) {
            this.targets = targets;
            this.echoUrl = echoUrl;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            // each request starts with an empty RpcContext: attachments a former request on this thread set (and Dubbo
            // did not clear, as 2.7 may not after some calls) must not reach this request's calls
            RpcContext.removeContext();
            AccessLog.log("dubbo-front", req.getMethod(), req.getRequestURI(), req::getHeader);
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            if (path.equals("/health")) {
                send(resp, 200, TEXT_PLAIN, "ok");
                return;
            }
            Ratings ratings = path.startsWith("/call/") ? targets.get(path.substring("/call/".length())) : null;
            if (ratings == null) {
                send(resp, 404, TEXT_PLAIN, "not found: " + path + " (targets: " + targets.keySet() + ")");
                return;
            }
            String mode = req.getParameter("mode") == null ? "sync" : req.getParameter("mode");
            List<ExtraHeader> attachments;
            try {
                attachments = ExtraHeader.parseAll(req.getParameterValues("set-attachment"));
            } catch (IllegalArgumentException e) {
                send(resp, 400, TEXT_PLAIN, e.getMessage());
                return;
            }
            StringBuilder json = new StringBuilder("{\"service\":\"dubbo-front\",\"target\":")
                    .append(Json.quote(path.substring("/call/".length()))).append(",\"mode\":").append(Json.quote(mode))
                    .append(",\"headers\":").append(Json.headers(req.getHeaderNames(), req::getHeaders));
            try {
                switch (mode) {
                    case "sync" -> json.append(",\"downstream\":").append(call(ratings, attachments));
                    case "get" -> {
                        setAttachments(attachments);
                        json.append(",\"downstream\":").append(ratings.getRating("get"));
                    }
                    case "twice" -> json.append(",\"downstream\":").append(call(ratings, attachments))
                            .append(",\"second\":").append(call(ratings, attachments));
                    case "async" -> json.append(callAsync(() -> ratings.rateAsync("async"), attachments));
                    // the synchronous method, made asynchronous by the consumer: Dubbo returns at once, the future follows
                    case "asynccall" -> json.append(callAsync(
                            () -> RpcContext.getContext().asyncCall(() -> ratings.rate("asynccall")), attachments));
                    default -> {
                        send(resp, 400, TEXT_PLAIN, "mode must be sync, get, twice, async or asynccall, got " + mode);
                        return;
                    }
                }
            } catch (Exception e) {
                // in the log too: a shadow copy's answer goes nowhere else
                System.out.println("[dubbo-front] " + req.getRequestURI() + " x-request-id=" + req.getHeader("x-request-id")
                        + " failed: " + e);
                send(resp, 502, APPLICATION_JSON, Json.error(e));
                return;
            }
            send(resp, 200, APPLICATION_JSON, json.append('}').toString());
        }

        private static String call(Ratings ratings, List<ExtraHeader> attachments) {
            setAttachments(attachments);
            return ratings.rate("sync");
        }

        /**
         * {@code ,"downstream":{ratings},"callback":{"thread":..,"requestThread":..,"downstream":{backend}}}: the
         * callback chained to the future runs where Dubbo completes it and makes an HTTP call from there.
         */
        private String callAsync(Supplier<CompletableFuture<String>> call, List<ExtraHeader> attachments)
                throws Exception {
            setAttachments(attachments);
            String requestThread = Thread.currentThread().getName();
            return call.get().thenApply(answer -> {
                String callback;
                try {
                    callback = UrlConnectionGet.get(echoUrl, List.of(), CALLBACK_HTTP_TIMEOUT);
                } catch (IOException | RuntimeException e) {
                    callback = Json.error(e);
                }
                return ",\"downstream\":" + answer + ",\"callback\":{\"thread\":"
                        + Json.quote(Thread.currentThread().getName()) + ",\"requestThread\":"
                        + Json.quote(requestThread) + ",\"downstream\":" + callback + "}";
            }).get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }

        private static void setAttachments(List<ExtraHeader> attachments) {
            for (ExtraHeader attachment : attachments) {
                RpcContext.getContext().setAttachment(attachment.name(), attachment.value());
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
