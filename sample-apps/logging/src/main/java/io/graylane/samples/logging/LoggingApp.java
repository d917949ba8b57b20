package io.graylane.samples.logging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.ThreadContext;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A service that logs through Logback (SLF4J) and Log4j 2 side by side: {@code LoggingApp PORT} (Jetty 12, 127.0.0.1).
 * Every message goes to the loggers {@code sample} (synchronous appenders) and {@code sample.async} (async appenders)
 * of both, and to Log4j's {@code sample.json} (JSON template layout); see logback.xml and log4j2.xml.
 * <ul>
 *   <li>at start-up, outside any request: {@code outside}; then it prints the class of Log4j's logger context
 *   ({@code [logging] log4j context: AsyncLoggerContext} when every Log4j logger is asynchronous)</li>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /log?n=N}: logs {@code request N}, then {@code pool N} from a task of a fixed thread pool (waited
 *   for), then {@code app N} with the application's own MDC and ThreadContext entry {@code graylane.label=app-value};
 *   answers what the application's MDC and ThreadContext hold under {@code graylane.label} and
 *   {@code graylane.request-id} afterwards</li>
 * </ul>
 */
public final class LoggingApp {

    private static final String HOST = "127.0.0.1";
    private static final String LABEL_KEY = "graylane.label";
    private static final String REQUEST_ID_KEY = "graylane.request-id";

    private static final org.slf4j.Logger LOGBACK = LoggerFactory.getLogger("sample");
    private static final org.slf4j.Logger LOGBACK_ASYNC = LoggerFactory.getLogger("sample.async");
    private static final org.apache.logging.log4j.Logger LOG4J = LogManager.getLogger("sample");
    private static final org.apache.logging.log4j.Logger LOG4J_ASYNC = LogManager.getLogger("sample.async");
    private static final org.apache.logging.log4j.Logger LOG4J_JSON = LogManager.getLogger("sample.json");

    private LoggingApp() {
    }

    /** Not {@code log}: inside the servlet that name is {@code GenericServlet.log}. */
    static void logAll(String message) {
        LOGBACK.info(message);
        LOGBACK_ASYNC.info(message);
        LOG4J.info(message);
        LOG4J_ASYNC.info(message);
        LOG4J_JSON.info(message);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: LoggingApp PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        logAll("outside");

        ExecutorService pool = Executors.newFixedThreadPool(2);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(HOST);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new LoggingServlet(pool)), "/*");
        server.setHandler(context);
        server.start();
        // AsyncLoggerContext when log4j2.contextSelector makes every Log4j logger asynchronous
        System.out.println("[logging] log4j context: " + LogManager.getContext(false).getClass().getSimpleName());
        System.out.println("[logging] listening on " + HOST + ":" + port);
        server.join();
    }

    static final class LoggingServlet extends HttpServlet {

        private static final long serialVersionUID = 1L;

        private final transient ExecutorService pool;

        LoggingServlet(ExecutorService pool) {
            this.pool = pool;
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
            if (path.equals("/health")) {
                send(resp, 200, "ok");
                return;
            }
            if (!path.equals("/log")) {
                send(resp, 404, "not found");
                return;
            }
            String n = req.getParameter("n");
            logAll("request " + n);
            try {
                pool.submit(() -> logAll("pool " + n)).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                send(resp, 500, e.toString());
                return;
            } catch (ExecutionException e) {
                send(resp, 500, e.getCause().toString());
                return;
            }
            MDC.put(LABEL_KEY, "app-value");
            ThreadContext.put(LABEL_KEY, "app-value");
            try {
                logAll("app " + n);
            } finally {
                MDC.remove(LABEL_KEY);
                ThreadContext.remove(LABEL_KEY);
            }
            send(resp, 200, "mdc=" + MDC.get(LABEL_KEY) + "," + MDC.get(REQUEST_ID_KEY)
                    + " threadcontext=" + ThreadContext.get(LABEL_KEY) + "," + ThreadContext.get(REQUEST_ID_KEY));
        }

        private static void send(HttpServletResponse resp, int status, String body) throws IOException {
            resp.setStatus(status);
            resp.setContentType("text/plain;charset=utf-8");
            resp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        }
    }
}
