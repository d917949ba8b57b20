package io.graylane.core.guard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * {@code graylane.shadow.allow}: what a shadow copy may call anyway. Entries: {@code http://HOST[:PORT][/PATH-PREFIX]}
 * (also {@code https://}; HOST may start with {@code *.}), {@code grpc:SERVICE/METHOD}, {@code dubbo:INTERFACE#METHOD}
 * (both globs with {@code *}), {@code jdbc:...} (a prefix of the connection URL, which starts with {@code jdbc:}
 * itself), {@code kafka:TOPIC} and {@code rocketmq:TOPIC} (globs). Immutable.
 */
public final class AllowList {

    static final AllowList EMPTY = new AllowList(Collections.<Entry>emptyList());

    private final Entry[] entries;
    private final boolean hasJdbc;

    private AllowList(List<Entry> entries) {
        this.entries = entries.toArray(new Entry[0]);
        boolean jdbc = false;
        for (Entry e : this.entries) jdbc |= e.kind == Kind.JDBC;
        this.hasJdbc = jdbc;
    }

    /** The list of entries already checked with {@link #parse}. */
    public static AllowList of(List<String> items) {
        List<Entry> entries = new ArrayList<>();
        for (String item : items) {
            Entry e = parse(item);
            if (e != null) entries.add(e);
        }
        return entries.isEmpty() ? EMPTY : new AllowList(entries);
    }

    /** Whether {@code item} is a well-formed entry. */
    public static boolean isValid(String item) {
        return parse(item) != null;
    }

    boolean hasJdbc() {
        return hasJdbc;
    }

    boolean allowsHttp(String scheme, String host, int port, String path) {
        for (Entry e : entries) {
            if (e.kind != Kind.HTTP) continue;
            if (!e.scheme.equalsIgnoreCase(scheme)) continue;
            if (e.port >= 0 && e.port != port) continue;
            if (!hostMatches(e.pattern, host)) continue;
            if (e.pathPrefix != null && (path == null || !path.startsWith(e.pathPrefix))) continue;
            return true;
        }
        return false;
    }

    boolean allows(Kind kind, String name) {
        if (name == null) return false;
        for (Entry e : entries) {
            if (e.kind != kind) continue;
            if (kind == Kind.JDBC ? name.startsWith(e.pattern) : Glob.matches(e.pattern, name, false)) return true;
        }
        return false;
    }

    private static boolean hostMatches(String pattern, String host) {
        if (host == null) return false;
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1); // ".example.com"
            return host.length() > suffix.length() && host.regionMatches(true, host.length() - suffix.length(), suffix, 0, suffix.length());
        }
        return pattern.equalsIgnoreCase(host);
    }

    // ---- parsing ----

    enum Kind { HTTP, GRPC, DUBBO, JDBC, KAFKA, ROCKETMQ }

    private static final class Entry {
        final Kind kind;
        final String scheme;
        final String pattern;
        final int port;
        final String pathPrefix;

        Entry(Kind kind, String scheme, String pattern, int port, String pathPrefix) {
            this.kind = kind;
            this.scheme = scheme;
            this.pattern = pattern;
            this.port = port;
            this.pathPrefix = pathPrefix;
        }
    }

    private static Entry parse(String raw) {
        if (raw == null) return null;
        String item = raw.trim();
        if (item.isEmpty() || !isVisibleAscii(item)) return null;
        String lower = item.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) return http(item, lower.startsWith("https") ? "https" : "http");
        if (lower.startsWith("grpc:")) return pair(Kind.GRPC, item.substring(5), '/');
        if (lower.startsWith("dubbo:")) return pair(Kind.DUBBO, item.substring(6), '#');
        if (lower.startsWith("jdbc:")) return item.length() > 5 ? new Entry(Kind.JDBC, null, item, -1, null) : null;
        if (lower.startsWith("kafka:")) return topic(Kind.KAFKA, item.substring(6));
        if (lower.startsWith("rocketmq:")) return topic(Kind.ROCKETMQ, item.substring(9));
        return null;
    }

    private static Entry http(String item, String scheme) {
        String rest = item.substring(scheme.length() + 3);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? null : rest.substring(slash);
        if ("/".equals(path)) path = null;
        int colon = authority.indexOf(':');
        String host = colon < 0 ? authority : authority.substring(0, colon);
        int port = -1;
        if (colon >= 0) {
            String digits = authority.substring(colon + 1);
            if (digits.isEmpty() || digits.length() > 5) return null;
            for (int i = 0; i < digits.length(); i++) if (digits.charAt(i) < '0' || digits.charAt(i) > '9') return null;
            port = Integer.parseInt(digits);
            if (port < 1 || port > 65535) return null;
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        if (name.isEmpty()) return null;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return null;
        }
        if (port < 0) port = -1; // any port
        return new Entry(Kind.HTTP, scheme, host, port, path);
    }

    private static Entry pair(Kind kind, String value, char separator) {
        int at = value.indexOf(separator);
        if (at <= 0 || at == value.length() - 1 || value.indexOf(separator, at + 1) >= 0) return null;
        return new Entry(kind, null, value, -1, null);
    }

    private static Entry topic(Kind kind, String value) {
        return value.isEmpty() ? null : new Entry(kind, null, value, -1, null);
    }

    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) return false;
        }
        return true;
    }
}
