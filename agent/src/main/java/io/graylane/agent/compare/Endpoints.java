package io.graylane.agent.compare;

/**
 * Requests grouped into endpoints: the method and the path (no query) with each numeric, UUID or long hex segment
 * replaced by {@code {id}}: {@code GET /items/17} and {@code GET /items/18} are {@code GET /items/{id}}.
 */
final class Endpoints {

    static final String OTHER = "other";
    /** Longest endpoint name kept; longer paths are cut. */
    private static final int MAX_LENGTH = 200;

    private Endpoints() {
    }

    static String of(String method, String target) {
        String path = target == null ? "/" : target;
        int query = path.indexOf('?');
        if (query >= 0) path = path.substring(0, query);
        StringBuilder b = new StringBuilder(method.length() + path.length() + 8).append(method).append(' ');
        int start = 0;
        while (start <= path.length()) {
            int slash = path.indexOf('/', start);
            int end = slash < 0 ? path.length() : slash;
            String segment = path.substring(start, end);
            b.append(isId(segment) ? "{id}" : segment);
            if (slash < 0) break;
            b.append('/');
            start = slash + 1;
        }
        return b.length() > MAX_LENGTH ? b.substring(0, MAX_LENGTH) : b.toString();
    }

    static boolean isId(String s) {
        if (s.isEmpty()) return false;
        if (allDigits(s)) return true;
        if (s.length() == 36 && s.charAt(8) == '-' && s.charAt(13) == '-' && s.charAt(18) == '-' && s.charAt(23) == '-') {
            return hex(s.replace("-", ""));
        }
        return s.length() >= 16 && hex(s);
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        }
        return true;
    }

    private static boolean hex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) return false;
        }
        return true;
    }
}
