package io.graylane.agent.compare;

/** Small text helpers of the comparison and its report. */
final class Values {

    /** Longest value kept in the report (characters); longer ones are cut and end with "...". */
    static final int MAX_VALUE = 256;

    private Values() {
    }

    /** A JSON string literal of {@code s}. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    /** At most MAX_VALUE characters. */
    static String cut(String s) {
        if (s == null || s.length() <= MAX_VALUE) return s;
        return s.substring(0, MAX_VALUE - 3) + "...";
    }
}
