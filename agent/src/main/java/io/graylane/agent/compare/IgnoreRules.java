package io.graylane.agent.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * graylane.mirror.compare.ignore: JSON paths ({@code $.meta.time}, {@code $.items[*].id}, {@code $.*.x}) whose value
 * and everything below it is never compared, and {@code header:NAME}.
 */
final class IgnoreRules {

    private final List<Pattern> paths = new ArrayList<>();
    private final List<String> headers = new ArrayList<>();

    IgnoreRules(List<String> items) {
        for (String item : items) {
            if (item.startsWith("header:")) {
                headers.add(item.substring(7));
            } else {
                paths.add(Pattern.compile(regex(item)));
            }
        }
    }

    /** The path pattern as a regular expression over the paths {@link JsonFlattener} writes, subtree included. */
    static String regex(String item) {
        StringBuilder b = new StringBuilder("\\$");
        int i = 1;
        while (i < item.length()) {
            char c = item.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < item.length() && item.charAt(end) != '.' && item.charAt(end) != '[') end++;
                String name = item.substring(i + 1, end);
                if (name.equals("*")) {
                    b.append("(?:\\.[^.\\[]+|\\['(?:[^'\\\\]|\\\\.)*'\\])");
                } else {
                    StringBuilder bracketed = new StringBuilder();
                    JsonFlattener.appendKey(bracketed, name);
                    b.append(Pattern.quote(bracketed.toString()));
                }
                i = end;
            } else { // [n] or [*]
                int close = item.indexOf(']', i);
                String index = item.substring(i + 1, close);
                b.append(index.equals("*") ? "\\[[0-9]+\\]" : Pattern.quote("[" + index + "]"));
                i = close + 1;
            }
        }
        return b.append("(?:[.\\[].*)?").toString();
    }

    boolean ignoresPath(String path) {
        for (Pattern p : paths) {
            if (p.matcher(path).matches()) return true;
        }
        return false;
    }

    boolean ignoresHeader(String lowerCaseName) {
        return headers.contains(lowerCaseName);
    }
}
