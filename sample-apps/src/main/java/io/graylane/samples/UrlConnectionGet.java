package io.graylane.samples;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A GET with the JDK's HttpURLConnection and nothing else: the backend's and reviews' downstream call, and the
 * front's {@code url-connection} client. Kept apart from {@link Clients} so that reviews loads no HTTP library.
 */
final class UrlConnectionGet {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private UrlConnectionGet() {
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
            String body = in == null ? "" : readAll(in);
            return checked(url, status, body);
        } finally {
            connection.disconnect();
        }
    }

    static String checked(String url, int status, String body) throws IOException {
        if (status < 200 || status > 299) {
            throw new IOException("HTTP " + status + " from " + url);
        }
        return body;
    }

    private static String readAll(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
