package io.graylane.core;

/** Reads one entry of a W3C {@code baggage} header without splitting or copying the rest of it. */
final class Baggage {

    private Baggage() {}

    /** The percent-decoded value of {@code key}, or null when absent or malformed. */
    static String get(String header, String key) {
        int eq = find(header, key);
        if (eq < 0) return null;
        int end = header.indexOf(',', eq);
        if (end < 0) end = header.length();
        int valueEnd = header.indexOf(';', eq);
        if (valueEnd < 0 || valueEnd > end) valueEnd = end;
        return decode(withoutOws(header, eq + 1, valueEnd));
    }

    /** Whether an entry named {@code key} is present, well-formed or not. */
    static boolean has(String header, String key) {
        return find(header, key) >= 0;
    }

    /** The index of the '=' of the first entry named {@code key}, or -1. */
    private static int find(String header, String key) {
        int n = header.length();
        int i = 0;
        while (i < n) {
            int end = header.indexOf(',', i);
            if (end < 0) end = n;
            int eq = header.indexOf('=', i);
            if (eq > i && eq < end && nameEquals(header, i, eq, key)) return eq;
            i = end + 1;
        }
        return -1;
    }

    /** The header without the entries named {@code key}; null when nothing is left. */
    static String without(String header, String key) {
        StringBuilder kept = new StringBuilder(header.length());
        int n = header.length();
        int i = 0;
        while (i < n) {
            int end = header.indexOf(',', i);
            if (end < 0) end = n;
            int eq = header.indexOf('=', i);
            boolean named = eq > i && eq < end && nameEquals(header, i, eq, key);
            String entry = withoutOws(header, i, end);
            if (!named && !entry.isEmpty()) {
                if (kept.length() > 0) kept.append(',');
                kept.append(entry);
            }
            i = end + 1;
        }
        return kept.length() == 0 ? null : kept.toString();
    }

    private static boolean nameEquals(String header, int from, int to, String key) {
        while (from < to && isOws(header.charAt(from))) from++;
        while (to > from && isOws(header.charAt(to - 1))) to--;
        return to - from == key.length() && header.regionMatches(from, key, 0, key.length());
    }

    /**
     * {@code header[from, to)} less the optional whitespace around it. Only space and tab: String.trim() would also take
     * control characters off, making "k=\rv" read as the label "v" and "a=1\u0001" forwarded as "a=1".
     */
    private static String withoutOws(String header, int from, int to) {
        while (from < to && isOws(header.charAt(from))) from++;
        while (to > from && isOws(header.charAt(to - 1))) to--;
        return header.substring(from, to);
    }

    /** W3C baggage's optional whitespace: space or horizontal tab. */
    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static String decode(String value) {
        if (value.indexOf('%') < 0) return value;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length()) return null;
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) return null;
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                return null;
            }
        }
        return new String(bytes.toByteArray(), java.nio.charset.StandardCharsets.UTF_8);
    }
}
