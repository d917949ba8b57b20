package io.graylane.samples.coexist;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** The outbound call: a plain GET with the JDK's HttpURLConnection, no header set by the application. */
final class Backend {

    private static final int TIMEOUT_MILLIS = 10_000;

    private Backend() {
    }

    /** The body of a 2xx answer; any other status is an IOException. */
    static String get(String url) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try {
            connection.setConnectTimeout(TIMEOUT_MILLIS);
            connection.setReadTimeout(TIMEOUT_MILLIS);
            int status = connection.getResponseCode();
            try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (status < 200 || status > 299) {
                    throw new IOException("HTTP " + status + " from " + url + ": " + body);
                }
                return body;
            }
        } finally {
            connection.disconnect();
        }
    }
}
