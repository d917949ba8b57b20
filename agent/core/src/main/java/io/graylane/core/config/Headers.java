package io.graylane.core.config;

/** Header-name and header-value checks shared by configuration and request handling. */
public final class Headers {

    private Headers() {}

    /** An RFC 9110 token: what a header name (or baggage key) may be made of. */
    public static boolean isToken(String s) {
        if (s == null || s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) return false;
        }
        return true;
    }

    /** A value safe to copy into another request: visible ASCII, space and tab, at most {@code max} chars. */
    public static boolean isSafeValue(String s, int max) {
        int n = s.length();
        if (n > max) return false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) return false;
        }
        return true;
    }
}
