package io.graylane.core;

import io.graylane.core.config.Keys;

import java.util.regex.Pattern;

/**
 * Which label values are accepted. The default pattern is checked by hand: it runs on every
 * request and a regex matcher would allocate each time.
 */
public final class LabelPolicy {

    private final int maxLength;
    private final Pattern pattern;

    public LabelPolicy(int maxLength, String pattern) {
        this.maxLength = maxLength;
        this.pattern = Keys.DEFAULT_PATTERN.equals(pattern) ? null : Pattern.compile(pattern);
    }

    public boolean accepts(String value) {
        if (value == null) return false;
        int n = value.length();
        if (n == 0 || n > maxLength) return false;
        if (pattern != null) return pattern.matcher(value).matches();
        if (!isAlphanumeric(value.charAt(0))) return false;
        for (int i = 1; i < n; i++) {
            char c = value.charAt(i);
            if (!isAlphanumeric(c) && c != '.' && c != '_' && c != '-') return false;
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
