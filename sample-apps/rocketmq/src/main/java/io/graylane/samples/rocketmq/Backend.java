package io.graylane.samples.rocketmq;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Calls the backend's /echo with no header of its own (HttpURLConnection) and reads back what arrived there, so a
 * consumer can print, per record, the label, request id and shadow marker the call carried.
 */
public final class Backend {

    private static final int TIMEOUT_MILLIS = 5000;

    private final String url;

    public Backend(String baseUrl) {
        this.url = baseUrl.replaceAll("/+$", "") + "/echo";
    }

    /**
     * The rocketmq-client version on the class path ({@code V4_9_8}), read at run time: the constant would be the one
     * the sample was compiled against.
     */
    public static String clientVersion() {
        try {
            int version = org.apache.rocketmq.common.MQVersion.class.getField("CURRENT_VERSION").getInt(null);
            return org.apache.rocketmq.common.MQVersion.getVersionDesc(version);
        } catch (ReflectiveOperationException e) {
            return "unknown";
        }
    }

    /** {@code label=L request-id=R shadow=0|1} as the backend saw them ({@code -} when absent). */
    public String call() {
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
            connection.setConnectTimeout(TIMEOUT_MILLIS);
            connection.setReadTimeout(TIMEOUT_MILLIS);
            String body;
            try (InputStream in = connection.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            return "label=" + header(body, "x-asm-traffic-tag") + " request-id=" + header(body, "x-request-id")
                    + " shadow=" + ("1".equals(header(body, "x-graylane-mirror")) ? "1" : "0");
        } catch (IOException | RuntimeException e) {
            return "error=" + e.toString().replace(' ', '_');
        }
    }

    /** The first value of a header in the backend's {"headers":{"name":["value",...]}} answer, or "-". */
    private static String header(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\\[\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "-";
    }
}
