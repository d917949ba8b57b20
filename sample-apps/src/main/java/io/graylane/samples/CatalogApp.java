package io.graylane.samples;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.UUID;

import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A small JSON API in two versions, for mirror comparison:
 * {@code java -cp graylane-front.jar io.graylane.samples.CatalogApp PORT VERSION [jetty|tomcat]}.
 * VERSION {@code v1} is the primary's (and the secondary's); {@code v2} is a candidate with deliberate changes:
 * field {@code name} renamed {@code fullName}, and {@code price.amount} one higher for every tenth item.
 * Every answer also carries a timestamp ({@code servedAt}, {@code at}) and a random {@code trace} id, which differ
 * between any two instances (noise).
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /items/{id}} -> the item, written with {@code getWriter()}</li>
 *   <li>{@code GET /users/{id}} -> the user, written with {@code getOutputStream()} from an {@code AsyncContext.start} task</li>
 *   <li>{@code GET /text/{id}} -> plain text, the same in both versions</li>
 *   <li>{@code GET /big/{n}} -> a JSON array of n MiB, written with {@code getOutputStream()}</li>
 * </ul>
 * Jetty 12 (jakarta servlet) by default, Tomcat 9 (javax servlet) with {@code tomcat}.
 */
public final class CatalogApp {

    private static final String HOST = "127.0.0.1";

    private CatalogApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("--load")) {
            load(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        if (args.length < 2 || args.length > 3 || !(args[1].equals("v1") || args[1].equals("v2"))) {
            System.err.println("usage: CatalogApp PORT v1|v2 [jetty|tomcat]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        boolean candidate = args[1].equals("v2");
        boolean tomcat = args.length == 3 && args[2].equals("tomcat");
        if (tomcat) {
            startTomcat(port, candidate);
        } else {
            startJetty(port, candidate);
        }
    }

    /**
     * {@code CatalogApp --load BASE_URL ITEMS USERS}: GETs /items/0.. and /users/0.. once each, with a request id,
     * from 4 threads; exits 1 if any answer is not 200.
     */
    static void load(String base, int items, int users) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        java.util.List<String> paths = new java.util.ArrayList<>();
        for (int i = 0; i < items; i++) paths.add("/items/" + i);
        for (int i = 0; i < users; i++) paths.add("/users/" + i);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
        for (String path : paths) {
            answers.add(pool.submit(() -> client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
                    .header("x-request-id", "demo" + path.replace('/', '-')).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()));
        }
        int failed = 0;
        for (java.util.concurrent.Future<Integer> answer : answers) if (answer.get() != 200) failed++;
        pool.shutdown();
        System.out.println("sent " + paths.size() + " requests to " + base + ": " + (paths.size() - failed) + " answered 200");
        if (failed > 0) System.exit(1);
    }

    /** The JSON of an item. */
    static String item(long id, boolean candidate) {
        long amount = id * 100 + 99;
        if (candidate && id % 10 == 0) amount++;
        return "{\"id\":" + id + ",\"" + (candidate ? "fullName" : "name") + "\":\"item " + id + "\","
                + "\"price\":{\"currency\":\"EUR\",\"amount\":" + amount + "},"
                + "\"tags\":[\"t" + (id % 3) + "\",\"t" + (id % 5) + "\"],"
                + "\"servedAt\":" + System.nanoTime() + ",\"trace\":\"" + UUID.randomUUID() + "\"}";
    }

    /** The JSON of a user: the same in both versions but for the noise. */
    static String user(long id) {
        return "{\"user\":{\"id\":" + id + ",\"email\":\"u" + id + "@example.com\",\"active\":" + (id % 2 == 0) + "},"
                + "\"at\":" + System.currentTimeMillis() * 1000 + System.nanoTime() % 1000 + "}";
    }

    /** A JSON array of {@code mib} MiB: "[0,0,...,0]". */
    static void big(OutputStream out, long mib) throws IOException {
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i += 2) {
            block[i] = '0';
            block[i + 1] = ',';
        }
        out.write('[');
        for (long written = 0; written < mib * 1024 * 1024; written += block.length) out.write(block);
        out.write('0');
        out.write(']');
    }

    private static long id(String path, String prefix) {
        try {
            return Long.parseLong(path.substring(prefix.length()));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static void startJetty(int port, boolean candidate) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(HOST);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(new JakartaCatalog(candidate));
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/*");
        server.setHandler(context);
        server.start();
        System.out.println("[catalog] " + (candidate ? "v2" : "v1") + " listening on " + HOST + ":" + port + " (jetty)");
        server.join();
    }

    private static void startTomcat(int port, boolean candidate) throws Exception {
        File baseDir = Files.createTempDirectory("graylane-catalog-tomcat").toFile();
        baseDir.deleteOnExit();
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.getAbsolutePath());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", HOST);
        connector.setProperty("maxKeepAliveRequests", "-1");
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", baseDir.getAbsolutePath());
        org.apache.catalina.Wrapper wrapper = Tomcat.addServlet(context, "catalog", new JavaxCatalog(candidate));
        wrapper.setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "catalog");
        tomcat.start();
        System.out.println("[catalog] " + (candidate ? "v2" : "v1") + " listening on " + HOST + ":" + port + " (tomcat)");
        tomcat.getServer().await();
    }

    static final class JakartaCatalog extends jakarta.servlet.http.HttpServlet {
        private static final long serialVersionUID = 1L;
        private final boolean candidate;

        JakartaCatalog(boolean candidate) {
            this.candidate = candidate;
        }

        @Override
        protected void doGet(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse resp)
                throws IOException {
            String path = req.getRequestURI();
            if (path.equals("/health")) {
                resp.setContentType("text/plain");
                resp.getWriter().write("ok");
            } else if (path.startsWith("/items/") && id(path, "/items/") >= 0) {
                resp.setContentType("application/json");
                resp.setCharacterEncoding("UTF-8");
                resp.getWriter().write(item(id(path, "/items/"), candidate));
            } else if (path.startsWith("/users/") && id(path, "/users/") >= 0) {
                long id = id(path, "/users/");
                jakarta.servlet.AsyncContext async = req.startAsync();
                async.start(() -> {
                    try {
                        resp.setContentType("application/json");
                        OutputStream out = resp.getOutputStream();
                        out.write(user(id).getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        resp.setStatus(500);
                    } finally {
                        async.complete();
                    }
                });
            } else if (path.startsWith("/big/") && id(path, "/big/") >= 0) {
                resp.setContentType("application/json");
                big(resp.getOutputStream(), id(path, "/big/"));
            } else if (path.startsWith("/text/")) {
                resp.setContentType("text/plain;charset=utf-8");
                resp.getWriter().print("text " + path.substring(6));
            } else {
                resp.sendError(404);
            }
        }
    }

    static final class JavaxCatalog extends javax.servlet.http.HttpServlet {
        private static final long serialVersionUID = 1L;
        private final boolean candidate;

        JavaxCatalog(boolean candidate) {
            this.candidate = candidate;
        }

        @Override
        protected void doGet(javax.servlet.http.HttpServletRequest req, javax.servlet.http.HttpServletResponse resp)
                throws IOException {
            String path = req.getRequestURI();
            if (path.equals("/health")) {
                resp.setContentType("text/plain");
                resp.getWriter().write("ok");
            } else if (path.startsWith("/items/") && id(path, "/items/") >= 0) {
                resp.setContentType("application/json");
                resp.setCharacterEncoding("UTF-8");
                resp.getWriter().write(item(id(path, "/items/"), candidate));
            } else if (path.startsWith("/users/") && id(path, "/users/") >= 0) {
                long id = id(path, "/users/");
                javax.servlet.AsyncContext async = req.startAsync();
                async.start(() -> {
                    try {
                        resp.setContentType("application/json");
                        OutputStream out = resp.getOutputStream();
                        out.write(user(id).getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        resp.setStatus(500);
                    } finally {
                        async.complete();
                    }
                });
            } else if (path.startsWith("/big/") && id(path, "/big/") >= 0) {
                resp.setContentType("application/json");
                big(resp.getOutputStream(), id(path, "/big/"));
            } else if (path.startsWith("/text/")) {
                resp.setContentType("text/plain;charset=utf-8");
                resp.getWriter().print("text " + path.substring(6));
            } else {
                resp.sendError(404);
            }
        }
    }
}
