package io.graylane.it.hook;

import java.io.IOException;
import java.util.List;
import org.apache.http.HttpResponse;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import org.apache.http.util.VersionInfo;
import org.junit.jupiter.api.AfterAll;

/**
 * Apache HttpClient 4.x classic (4.3 and newer): the hook is {@code CloseableHttpClient.doExecute}, where every
 * {@code execute} overload of every client ends. Compiled against the oldest version tested; runs against each
 * version of the hook-httpclient4* executions.
 */
class ApacheHttpClient4HookIT extends HookTest {

    private static final RequestConfig TIMEOUTS = RequestConfig.custom()
            .setConnectTimeout(5_000)
            .setSocketTimeout(10_000)
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
        return "httpclient";
    }

    @Override
    String versionOnClassPath() {
        VersionInfo info = VersionInfo.loadVersionInfo("org.apache.http.client", CloseableHttpClient.class.getClassLoader());
        return info == null ? "(no org/apache/http/client/version.properties)" : info.getRelease();
    }

    @Override
    List<String> classFiles() {
        return List.of("org/apache/http/impl/client/CloseableHttpClient.class", "org/apache/http/HttpRequest.class");
    }

    @Override
    List<String> ways() {
        return List.of("execute", "execute with a response handler", "minimal client");
    }

    @Override
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

    private static String body(String url, HttpResponse response) throws IOException {
        String body = EntityUtils.toString(response.getEntity());
        int status = response.getStatusLine().getStatusCode();
        if (status != 200) {
            throw httpError(url, status, body);
        }
        return body;
    }
}
