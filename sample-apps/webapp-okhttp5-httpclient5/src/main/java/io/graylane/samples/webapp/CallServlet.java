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
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * {@code GET /call/okhttp}, {@code GET /call/apache}: calls {@code BACKEND/echo} with the OkHttp 5 or Apache HttpClient 5
 * bundled in this application's WEB-INF/lib, setting no header itself, and answers
 * {@code {"service":..,"client":..,"library":JAR,"downstream":ECHO}}, where JAR is where the client class was loaded from.
 * BACKEND is system property {@code backend.url}.
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
        // no idle connection kept: nothing of this application outlives its undeployment in OkHttp's pool
        okHttp = new OkHttpClient.Builder().connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();
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
                downstream = apache.execute(new HttpGet(echoUrl), response -> {
                    try {
                        return EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8);
                    } catch (ParseException e) {
                        throw new IOException(e);
                    }
                });
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
        apache.close(org.apache.hc.core5.io.CloseMode.GRACEFUL);
    }
}
