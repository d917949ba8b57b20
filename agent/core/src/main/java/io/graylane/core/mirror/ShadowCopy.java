package io.graylane.core.mirror;

import io.graylane.core.config.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One copy waiting to be sent: what the request thread gathered, turned into HTTP/1.1 bytes on a sender thread.
 * The copy has the original method, path, query and headers, minus hop-by-hop headers and
 * graylane.mirror.exclude-headers; Host gets graylane.mirror.host-suffix on its host name; the label header carries
 * the copy's label (none when it has none); {@code x-graylane-mirror: 1}; an exact Content-Length. The sender keeps its connection alive between copies.
 */
final class ShadowCopy {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    final String method;
    final String target;
    private final String[] names;
    private final String[] values;
    private final int headers;
    private final String fallbackHost;
    private final String label;
    private final HeaderScrubber scrubber;
    final byte[] body;
    final int length;
    private final boolean framed;
    /** The primary's answer when answers are compared, else null. */
    final Answer primary;

    ShadowCopy(String method, String target, String[] names, String[] values, int headers, String fallbackHost,
               String label, HeaderScrubber scrubber, byte[] body, int length, boolean framed, Answer primary) {
        this.method = method;
        this.target = target;
        this.names = names;
        this.values = values;
        this.headers = headers;
        this.fallbackHost = fallbackHost;
        this.label = label;
        this.scrubber = scrubber;
        this.body = body;
        this.length = length;
        this.framed = framed;
        this.primary = primary;
    }

    /** The first value of a request header (case-insensitive), or null. */
    String header(String name) {
        for (int i = 0; i < headers; i++) {
            if (names[i].equalsIgnoreCase(name)) return values[i];
        }
        return null;
    }

    /** The request line and headers, ISO-8859-1 as they arrived (servlet containers decode header bytes so). */
    byte[] head(Mirror mirror) {
        String host = null;
        String connection = null;
        for (int i = 0; i < headers; i++) {
            if (host == null && names[i].equalsIgnoreCase("host")) host = values[i];
            if (names[i].equalsIgnoreCase("connection")) connection = connection == null ? values[i] : connection + "," + values[i];
        }
        if (host == null || host.isEmpty()) host = fallbackHost;
        StringBuilder out = new StringBuilder(256 + headers * 48);
        out.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        out.append("Host: ").append(shadowHost(host, mirror.hostSuffix())).append("\r\n");
        for (int i = 0; i < headers; i++) {
            String name = names[i];
            if (!Headers.isToken(name)) continue;
            String lower = name.toLowerCase(Locale.ROOT);
            if (mirror.dropsHeader(lower) || listedIn(connection, lower)) continue;
            String value = scrubber.scrub(lower, values[i]);
            if (value == null || !isLatin1Value(value)) continue;
            out.append(name).append(": ").append(value).append("\r\n");
        }
        String labelHeader = mirror.labelHeader();
        if (label != null && labelHeader != null) out.append(labelHeader).append(": ").append(label).append("\r\n");
        out.append(Mirror.MARKER).append(": 1\r\n");
        if (framed || length > 0) out.append("Content-Length: ").append(length).append("\r\n");
        out.append("\r\n");
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Bytes this copy keeps in memory while queued. */
    long weight() {
        return length + 512L + (primary == null ? 0 : primary.length);
    }

    /**
     * Istio's (Envoy's) rule: the suffix goes on the host name, before any port, so {@code reviews:9080} becomes
     * {@code reviews-shadow:9080} and the mesh can route it by name.
     */
    static String shadowHost(String host, String suffix) {
        if (host == null) return suffix.isEmpty() ? "localhost" : "localhost" + suffix;
        if (suffix.isEmpty()) return host;
        int colon;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            colon = end < 0 ? -1 : host.indexOf(':', end);
        } else {
            colon = host.lastIndexOf(':');
        }
        return colon < 0 ? host + suffix : host.substring(0, colon) + suffix + host.substring(colon);
    }

    /** Whether a Connection header value (comma-separated tokens) names {@code lowerName}. */
    private static boolean listedIn(String connection, String lowerName) {
        if (connection == null) return false;
        for (String token : connection.split(",")) {
            if (token.trim().equalsIgnoreCase(lowerName)) return true;
        }
        return false;
    }

    private static boolean isLatin1Value(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c > 0xff || c == '\r' || c == '\n' || c == 0) return false;
        }
        return true;
    }

    static boolean isToken(String s) {
        return Headers.isToken(s);
    }

    /**
     * The request-target: the raw (undecoded) path and query as the server received them. Characters that may not
     * appear in a request line (which some servers tolerate) are percent-encoded as UTF-8.
     */
    static String requestTarget(String requestUri, String query) {
        String path = requestUri == null || requestUri.isEmpty() ? "/" : requestUri;
        String target = query == null ? path : path + "?" + query;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c <= 0x20 || c >= 0x7f) return encode(target);
        }
        return target;
    }

    private static String encode(String target) {
        StringBuilder out = new StringBuilder(target.length() + 16);
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
