package io.graylane.samples;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * GET with the JDK's HttpURLConnection and nothing else on the class path, so the Dubbo sample apps can use it
 * without the HTTP client libraries of {@link Clients}.
 */
final class UrlGet {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private UrlGet() {
    }

    /** The body of a 2xx answer; any other status is an IOException. */
    static String get(String url, List<ExtraHeader> headers, Duration readTimeout) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try {
            connection.setRequestMethod("GET");
            connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            connection.setReadTimeout((int) readTimeout.toMillis());
            for (ExtraHeader header : headers) {
                connection.setRequestProperty(header.name(), header.value());
            }
            int status = connection.getResponseCode();
            InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
            String body = "";
            if (in != null) {
                try (in) {
                    body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            if (status < 200 || status > 299) {
                throw new IOException("HTTP " + status + " from " + url);
            }
            return body;
        } finally {
            connection.disconnect();
        }
    }
}
