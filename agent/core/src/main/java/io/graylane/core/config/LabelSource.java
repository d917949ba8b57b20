package io.graylane.core.config;

import java.util.Locale;

/** One entry of {@code graylane.label.sources}: where an inbound label may come from. */
public final class LabelSource {

    public enum Kind { HEADER, BAGGAGE, TRACE_MAP, LOCAL }

    private final Kind kind;
    private final String name;

    private LabelSource(Kind kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    public static LabelSource header(String name) {
        return new LabelSource(Kind.HEADER, name.toLowerCase(Locale.ROOT));
    }

    public static LabelSource baggage(String key) {
        return new LabelSource(Kind.BAGGAGE, key);
    }

    public static LabelSource traceMap() {
        return new LabelSource(Kind.TRACE_MAP, null);
    }

    public static LabelSource local() {
        return new LabelSource(Kind.LOCAL, null);
    }

    /** Parses {@code header:NAME}, {@code baggage:KEY}, {@code trace-map} or {@code local}; null when malformed. */
    static LabelSource parse(String text) {
        String t = text.trim();
        if (t.equals("trace-map")) return traceMap();
        if (t.equals("local")) return local();
        int colon = t.indexOf(':');
        if (colon < 0) return null;
        String kind = t.substring(0, colon).trim();
        String name = t.substring(colon + 1).trim();
        if (!Headers.isToken(name)) return null;
        if (kind.equals("header")) return header(name);
        if (kind.equals("baggage")) return baggage(name);
        return null;
    }

    public Kind kind() {
        return kind;
    }

    /** The header name or baggage key; null for trace-map and local. */
    public String name() {
        return name;
    }

    @Override
    public String toString() {
        switch (kind) {
            case HEADER: return "header:" + name;
            case BAGGAGE: return "baggage:" + name;
            case TRACE_MAP: return "trace-map";
            default: return "local";
        }
    }
}
