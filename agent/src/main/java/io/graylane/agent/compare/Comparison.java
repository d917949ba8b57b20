package io.graylane.agent.compare;

import io.graylane.core.mirror.Answer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

/**
 * One comparison: the primary's answer against the candidate's (differences) and, when there is one, the
 * secondary's (noise). Compared: the status, the configured headers, and the body: as JSON trees when the primary
 * answered JSON ({@code application/json}, {@code +json}), else byte for byte; gzip bodies are decoded first.
 * Every comparison ends in exactly one outcome.
 */
final class Comparison {

    static final int EQUAL = 0;
    static final int DIFFERENT = 1;
    static final int NOISE_ONLY = 2;
    static final int INCOMPARABLE = 3;
    static final String[] OUTCOMES = {"equal", "different", "noise-only", "incomparable"};

    /** One path where the candidate or the secondary differs from the primary; values as JSON text, null: absent. */
    static final class Diff {
        final String path;
        final String primary;
        final String candidate;
        final String secondary;
        final boolean candidateDiffers;
        final boolean secondaryDiffers;

        Diff(String path, String primary, String candidate, String secondary, boolean candidateDiffers, boolean secondaryDiffers) {
            this.path = path;
            this.primary = primary;
            this.candidate = candidate;
            this.secondary = secondary;
            this.candidateDiffers = candidateDiffers;
            this.secondaryDiffers = secondaryDiffers;
        }
    }

    final int outcome;
    /** Why it is incomparable, else null. */
    final String reason;
    final List<Diff> diffs;
    /** The secondary's answer was usable (noise measured). */
    final boolean withSecondary;

    private Comparison(int outcome, String reason, List<Diff> diffs, boolean withSecondary) {
        this.outcome = outcome;
        this.reason = reason;
        this.diffs = diffs;
        this.withSecondary = withSecondary;
    }

    static Comparison incomparable(String reason) {
        return new Comparison(INCOMPARABLE, reason, Collections.<Diff>emptyList(), false);
    }

    /** An answer as compared: status, the configured headers, the body as JSON leaves or bytes (or not compared). */
    private static final class View {
        int status;
        Map<String, String> headers = new LinkedHashMap<>();
        Map<String, String> json;
        byte[] bytes;
        int length;
        boolean body;
    }

    static Comparison of(Answer primary, Answer candidate, Answer secondary, List<String> headers, IgnoreRules ignore,
                         int maxBody) {
        if (primary == null) return incomparable("the primary's answer was not captured");
        if (primary.state != Answer.COMPLETE && primary.state != Answer.BODY_UNKNOWN) {
            return incomparable("primary: " + primary.problem);
        }
        if (candidate.state != Answer.COMPLETE) return incomparable("candidate: " + candidate.problem);
        boolean body = primary.state == Answer.COMPLETE;
        boolean json = body && isJson(primary.header("content-type"));
        View p;
        View c;
        try {
            p = view(primary, json, body, headers, ignore, maxBody);
        } catch (JsonFlattener.NotComparable e) {
            return incomparable("primary: " + e.getMessage());
        }
        try {
            c = view(candidate, json, body, headers, ignore, maxBody);
        } catch (JsonFlattener.NotComparable e) {
            return incomparable("candidate: " + e.getMessage());
        }
        View s = null;
        if (secondary != null && secondary.state == Answer.COMPLETE) {
            try {
                s = view(secondary, json, body, headers, ignore, maxBody);
            } catch (JsonFlattener.NotComparable e) {
                s = null; // noise is not measured on this one
            }
        }
        Map<String, String[]> pc = diff(p, c);
        Map<String, String[]> ps = s == null ? Collections.<String, String[]>emptyMap() : diff(p, s);
        if (pc.isEmpty() && ps.isEmpty()) return new Comparison(EQUAL, null, Collections.<Diff>emptyList(), s != null);
        TreeSet<String> paths = new TreeSet<>(pc.keySet());
        paths.addAll(ps.keySet());
        List<Diff> diffs = new ArrayList<>(paths.size());
        boolean onlyNoise = true;
        for (String path : paths) {
            String[] a = pc.get(path);
            String[] b = ps.get(path);
            String pv = a != null ? a[0] : b[0];
            String cv = a != null ? a[1] : pv;
            String sv = s == null ? null : b != null ? b[1] : pv;
            if (a != null && b == null) onlyNoise = false;
            diffs.add(new Diff(path, Values.cut(pv), Values.cut(cv), Values.cut(sv), a != null, b != null));
        }
        return new Comparison(onlyNoise ? NOISE_ONLY : DIFFERENT, null, diffs, s != null);
    }

    /** Paths where {@code b} differs from {@code a}: [a's value, b's value] (null: absent). */
    private static Map<String, String[]> diff(View a, View b) {
        Map<String, String[]> out = new LinkedHashMap<>();
        if (a.status != b.status) out.put("status", new String[]{Integer.toString(a.status), Integer.toString(b.status)});
        for (Map.Entry<String, String> h : a.headers.entrySet()) {
            String other = b.headers.get(h.getKey());
            if (!equal(h.getValue(), other)) {
                out.put("header:" + h.getKey(), new String[]{Values.quote(String.valueOf(h.getValue())), other == null ? null : Values.quote(other)});
            }
        }
        for (Map.Entry<String, String> h : b.headers.entrySet()) {
            if (!a.headers.containsKey(h.getKey())) out.put("header:" + h.getKey(), new String[]{null, Values.quote(h.getValue())});
        }
        if (!a.body) return out;
        if (a.json != null) {
            for (Map.Entry<String, String> leaf : a.json.entrySet()) {
                String other = b.json.get(leaf.getKey());
                if (!leaf.getValue().equals(other)) out.put(leaf.getKey(), new String[]{leaf.getValue(), other});
            }
            for (Map.Entry<String, String> leaf : b.json.entrySet()) {
                if (!a.json.containsKey(leaf.getKey())) out.put(leaf.getKey(), new String[]{null, leaf.getValue()});
            }
        } else if (a.length != b.length || !Arrays.equals(Arrays.copyOf(a.bytes, a.length), Arrays.copyOf(b.bytes, b.length))) {
            out.put("body", new String[]{bodyText(a), bodyText(b)});
        }
        return out;
    }

    private static String bodyText(View v) {
        int n = Math.min(v.length, Values.MAX_VALUE);
        return Values.quote(new String(v.bytes, 0, n, StandardCharsets.UTF_8)) + " (" + v.length + " bytes)";
    }

    private static boolean equal(String a, String b) {
        return a == null ? b == null : a.equals(b);
    }

    private static View view(Answer answer, boolean json, boolean body, List<String> headers, IgnoreRules ignore,
                             int maxBody) throws JsonFlattener.NotComparable {
        View v = new View();
        v.status = answer.status;
        for (String name : headers) {
            if (ignore.ignoresHeader(name)) continue;
            String value = answer.headerValues(name);
            if (value != null) v.headers.put(name, normalize(name, value));
        }
        v.body = body;
        if (!body) return v;
        byte[] bytes = answer.body == null ? new byte[0] : answer.body;
        int length = answer.length;
        String encoding = answer.header("content-encoding");
        if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("gzip") && length > 0) {
            bytes = gunzip(bytes, length, maxBody);
            length = bytes.length;
        }
        v.bytes = bytes;
        v.length = length;
        if (json) {
            Charset charset = charset(answer.header("content-type"));
            Map<String, String> leaves = charset == null || charset.equals(StandardCharsets.UTF_8)
                    ? JsonFlattener.flatten(bytes, length)
                    : JsonFlattener.flatten(new String(bytes, 0, length, charset));
            Map<String, String> kept = new LinkedHashMap<>();
            for (Map.Entry<String, String> leaf : leaves.entrySet()) {
                if (!ignore.ignoresPath(leaf.getKey())) kept.put(leaf.getKey(), leaf.getValue());
            }
            v.json = kept;
        }
        return v;
    }

    /** Media types and parameters are case-insensitive, and spaces around ';' are not part of the value. */
    private static String normalize(String name, String value) {
        if (!name.equals("content-type")) return value;
        return value.toLowerCase(Locale.ROOT).replace(" ", "");
    }

    static boolean isJson(String contentType) {
        if (contentType == null) return false;
        String type = contentType.toLowerCase(Locale.ROOT);
        int semicolon = type.indexOf(';');
        if (semicolon >= 0) type = type.substring(0, semicolon);
        type = type.trim();
        return type.equals("application/json") || type.endsWith("+json");
    }

    private static Charset charset(String contentType) {
        if (contentType == null) return null;
        for (String part : contentType.split(";")) {
            String p = part.trim();
            if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                try {
                    return Charset.forName(p.substring(8).replace("\"", "").trim());
                } catch (RuntimeException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static byte[] gunzip(byte[] bytes, int length, int maxBody) throws JsonFlattener.NotComparable {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes, 0, length))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBody, length * 4 + 64));
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (out.size() + n > maxBody) {
                    throw new JsonFlattener.NotComparable("the gzip body decodes to more than graylane.mirror.max-body-bytes ("
                            + maxBody + ")");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new JsonFlattener.NotComparable("a gzip body that cannot be decoded: " + e.getMessage());
        }
    }
}
