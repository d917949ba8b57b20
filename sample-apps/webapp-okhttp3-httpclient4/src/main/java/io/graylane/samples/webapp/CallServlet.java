package io.graylane.samples.webapp;

import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;

/**
 * {@code GET /call/okhttp}, {@code GET /call/apache}: calls {@code BACKEND/echo} with the OkHttp 3 or Apache HttpClient 4
 * bundled in this application's WEB-INF/lib, setting no header itself, and answers
 * {@code {"service":..,"client":..,"library":JAR,"downstream":ECHO}}, where JAR is where the client class was loaded from.
 * BACKEND is system property {@code backend.url}.
 * {@code GET /call/leak} pins this application's class loader in a system property (a deliberate leak, so that a test
 * can show its leak check fails when a loader survives undeployment).
 */
@WebServlet("/call/*")
public final class CallServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient OkHttpClient okHttp;
    private transient CloseableHttpClient apache;
    private transient String echoUrl;

    @Override
    public void init() throws ServletException {
        String backend = System.getProperty("backend.url");
        if (backend == null) {
            throw new ServletException("system property backend.url (the backend's base URL) is not set");
        }
        echoUrl = backend.replaceAll("/+$", "") + "/echo";
        // Nothing of OkHttp may outlive this application's undeployment (the tests check that its class loader goes):
        // no idle connection kept in the pool, and no timeout, as Okio enforces timeouts on a watchdog thread that
        // stays 60 s after its last use, its context class loader this application's (Tomcat cannot stop it)
        okHttp = new OkHttpClient.Builder()
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS))
                .connectTimeout(0, TimeUnit.MILLISECONDS)
                .readTimeout(0, TimeUnit.MILLISECONDS)
                .writeTimeout(0, TimeUnit.MILLISECONDS)
                .build();
        apache = HttpClients.createDefault();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String client = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        String downstream;
        Class<?> library;
        switch (client) {
            case "okhttp" -> {
                library = OkHttpClient.class;
                try (Response response = okHttp.newCall(new Request.Builder().url(echoUrl).build()).execute()) {
                    downstream = response.body().string();
                }
            }
            case "apache" -> {
                library = CloseableHttpClient.class;
                try (CloseableHttpResponse response = apache.execute(new HttpGet(echoUrl))) {
                    downstream = EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                }
            }
            case "leak" -> {
                System.getProperties().put("graylane.sample.leak" + req.getContextPath(), this);
                resp.setContentType("text/plain");
                resp.getWriter().write("leaking " + req.getContextPath());
                return;
            }
            default -> {
                resp.sendError(404, "no client " + client + "; use okhttp or apache");
                return;
            }
        }
        resp.setContentType("application/json");
        resp.getWriter().write("{\"service\":\"" + req.getContextPath().substring(1) + "\",\"client\":\"" + client
                + "\",\"library\":\"" + library.getProtectionDomain().getCodeSource().getLocation()
                + "\",\"downstream\":" + downstream + "}");
    }

    @Override
    public void destroy() {
        okHttp.dispatcher().executorService().shutdown();
        okHttp.connectionPool().evictAll();
        try {
            apache.close();
        } catch (IOException e) {
            log("closing the Apache HttpClient failed", e);
        }
    }
}
