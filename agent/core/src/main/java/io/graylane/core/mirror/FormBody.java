package io.graylane.core.mirror;

import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The body of an {@code application/x-www-form-urlencoded} request whose bytes the container consumed itself (the
 * application called getParameter*), rebuilt from the parameters.
 *
 * <p>What "the original body" means then: the parameters that did not come from the query string (a servlet
 * container lists query values first), name by name in the order the container reports them, each value encoded
 * with {@link URLEncoder} in the request's character encoding (or the container's default: UTF-8 for Jetty,
 * ISO-8859-1 for the others), joined by {@code &}. It decodes to exactly the parameters the application saw, and is
 * byte-identical to what a browser or {@code URLEncoder} sends for the same form when the names appear in one run
 * each; a client that percent-encodes differently or interleaves names gets an equivalent body, not its own bytes.
 */
public final class FormBody {

    private FormBody() {}

    /** Whether a request with this content type is a URL-encoded form. */
    public static boolean isForm(String contentType) {
        return contentType != null
                && contentType.trim().toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
    }

    /** The charset the container decoded the form with: the request's, else its documented default. */
    public static String charset(String characterEncoding, String requestClassName) {
        if (characterEncoding != null && !characterEncoding.isEmpty()) return characterEncoding;
        return requestClassName != null && requestClassName.startsWith("org.eclipse.jetty.") ? "UTF-8" : "ISO-8859-1";
    }

    /**
     * The body parameters of {@code parameters} (query and body merged, query first) encoded as a form, or null when
     * there are none (the container did not parse the body) or the charset is unknown.
     */
    public static byte[] encode(Map<String, String[]> parameters, String query, String charset) {
        if (parameters == null || parameters.isEmpty()) return null;
        Map<String, Integer> fromQuery = queryCounts(query);
        StringBuilder out = new StringBuilder(64);
        try {
            for (Map.Entry<String, String[]> entry : parameters.entrySet()) {
                String[] values = entry.getValue();
                if (entry.getKey() == null || values == null) continue;
                Integer skip = fromQuery.get(entry.getKey());
                for (int i = skip == null ? 0 : skip; i < values.length; i++) {
                    if (out.length() > 0) out.append('&');
                    out.append(URLEncoder.encode(entry.getKey(), charset)).append('=');
                    if (values[i] != null) out.append(URLEncoder.encode(values[i], charset));
                }
            }
        } catch (UnsupportedEncodingException e) {
            return null;
        }
        return out.length() == 0 ? null : out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** How many values each (decoded) name has in the query string; containers decode queries as UTF-8. */
    private static Map<String, Integer> queryCounts(String query) {
        Map<String, Integer> counts = new HashMap<>();
        if (query == null || query.isEmpty()) return counts;
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (name.isEmpty()) continue;
            Integer n = counts.get(name);
            counts.put(name, n == null ? 1 : n + 1);
        }
        return counts;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, "UTF-8");
        } catch (UnsupportedEncodingException | IllegalArgumentException e) {
            return s;
        }
    }
}
