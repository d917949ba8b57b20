package io.graylane.it.hook;

import java.io.IOException;
import java.util.List;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ParseException;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.Timeout;
import org.apache.hc.core5.util.VersionInfo;
import org.junit.jupiter.api.AfterAll;

/**
 * Apache HttpClient 5.x classic: the hook is {@code CloseableHttpClient.doExecute}, where every {@code execute}
 * overload of every classic client ends. Compiled against the oldest version tested; runs against each version of
 * the hook-httpclient5* executions.
 */
class ApacheHttpClient5HookIT extends HookTest {

    private static final RequestConfig TIMEOUTS = RequestConfig.custom()
            .setResponseTimeout(Timeout.ofSeconds(10))
            .build();

    private final CloseableHttpClient client = HttpClients.createDefault();
    private final CloseableHttpClient minimal = HttpClients.createMinimal();

    @AfterAll
    void closeClients() throws IOException {
        client.close();
        minimal.close();
    }

    @Override
    String library() {
        return "httpclient5";
    }

    @Override
    String versionOnClassPath() {
        VersionInfo info = VersionInfo.loadVersionInfo("org.apache.hc.client5", CloseableHttpClient.class.getClassLoader());
        return info == null ? "(no org/apache/hc/client5/version.properties)" : info.getRelease();
    }

    @Override
    List<String> classFiles() {
        return List.of("org/apache/hc/client5/http/impl/classic/CloseableHttpClient.class",
                "org/apache/hc/core5/http/ClassicHttpRequest.class");
    }

    @Override
    List<String> ways() {
        return List.of("execute", "execute with a response handler", "minimal client");
    }

    @Override
    @SuppressWarnings("deprecation") // execute(request) is deprecated from 5.3 on, not removed: it is still API
    String get(String way, String url, String appLabel) throws Exception {
        HttpGet request = new HttpGet(url);
        request.setConfig(TIMEOUTS);
        if (appLabel != null) {
            request.setHeader(LABEL, appLabel);
        }
        switch (way) {
            case "execute":
                try (CloseableHttpResponse response = client.execute(request)) {
                    return body(url, response);
                }
            case "execute with a response handler":
                return client.execute(request, response -> body(url, response));
            case "minimal client":
                try (CloseableHttpResponse response = minimal.execute(request)) {
                    return body(url, response);
                }
            default:
                throw new IllegalArgumentException(way);
        }
    }

    private static String body(String url, ClassicHttpResponse response) throws IOException {
        String body;
        try {
            body = EntityUtils.toString(response.getEntity());
        } catch (ParseException e) {
            throw new IOException(e);
        }
        if (response.getCode() != 200) {
            throw httpError(url, response.getCode(), body);
        }
        return body;
    }
}
