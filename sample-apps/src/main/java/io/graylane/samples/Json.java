package io.graylane.samples;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Just enough hand-written JSON for the sample apps. */
final class Json {

    private Json() {
    }

    /**
     * {@code ,"lane":"L"}: the lane of this instance, its ASM_TRAFFIC_TAG ({@code null} when unset), so that an answer
     * shows which lane's instance served each hop.
     */
    static String lane() {
        String lane = System.getenv("ASM_TRAFFIC_TAG");
        return ",\"lane\":" + (lane == null ? "null" : quote(lane));
    }

    /** A JSON string literal: quotes, backslash and control characters are escaped. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** {"error":"message"} */
    static String error(Throwable e) {
        return "{\"error\":" + quote(message(e)) + "}";
    }

    /** The first message along the cause chain (java.net.http throws ConnectException(null)), else the class name. */
    static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return e.getClass().getName();
    }

    /**
     * The received request headers as {"name":["value",...],...}: names lower-cased, values in received order.
     * Works for both servlet APIs: {@code Json.headers(req.getHeaderNames(), req::getHeaders)}.
     */
    static String headers(Enumeration<String> names, Function<String, Enumeration<String>> values) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(names)) {
            // getHeaders(name) is case-insensitive, so a name seen twice in different cases is read once
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                    lower -> new ArrayList<>(Collections.list(values.apply(name))));
        }
        return lists(headers);
    }

    /**
     * Dubbo attachments in the same shape as {@link #headers}: {"name":["value"],...}, names lower-cased, only
     * text values (Dubbo keeps some internal objects among them).
     */
    static String attachments(Map<String, Object> attachments) {
        Map<String, List<String>> text = new TreeMap<>();
        for (Map.Entry<String, Object> attachment : attachments.entrySet()) {
            if (attachment.getValue() instanceof String value) {
                text.computeIfAbsent(attachment.getKey().toLowerCase(Locale.ROOT), name -> new ArrayList<>()).add(value);
            }
        }
        return lists(text);
    }

    private static String lists(Map<String, List<String>> headers) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(quote(header.getKey())).append(":[");
            for (int i = 0; i < header.getValue().size(); i++) {
                out.append(i > 0 ? "," : "").append(quote(header.getValue().get(i)));
            }
            out.append(']');
        }
        return out.append('}').toString();
    }
}
