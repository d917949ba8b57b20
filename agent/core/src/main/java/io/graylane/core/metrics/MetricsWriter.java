package io.graylane.core.metrics;

import java.util.HashSet;
import java.util.Set;

/**
 * Writes metric families in the Prometheus text exposition format, version 0.0.4: per family a {@code # HELP} and a
 * {@code # TYPE} line, then its samples, one per line. Names and label names are checked (a wrong one is a bug in
 * graylane and throws {@link IllegalArgumentException}); label values and help texts are escaped as the format
 * requires. Counters must end in {@code _total}. Not thread-safe: one writer per scrape.
 *
 * <pre>
 * out.counter("graylane_inbound_rejected_total", "Inbound label values rejected by the label policy.");
 * out.sample("hook", "servlet", 3);
 * </pre>
 */
public final class MetricsWriter {

    /** The Content-Type of the format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out;
    private final Set<String> families;
    private String family;

    public MetricsWriter() {
        this(new StringBuilder(), new HashSet<String>());
    }

    private MetricsWriter(StringBuilder out, Set<String> families) {
        this.out = out;
        this.families = families;
    }

    /** A writer with its own buffer that shares this one's family names: a source's text is kept only if it completes. */
    MetricsWriter fork() {
        return new MetricsWriter(new StringBuilder(), new HashSet<String>(families));
    }

    /** Appends what {@code part} wrote (a fork of this writer) and takes over its family names. */
    void append(MetricsWriter part) {
        out.append(part.out);
        families.addAll(part.families);
    }

    /** Starts a counter family; {@code name} ends in {@code _total}. */
    public MetricsWriter counter(String name, String help) {
        if (!name.endsWith("_total")) throw new IllegalArgumentException("a counter's name must end in _total: " + name);
        return family(name, "counter", help);
    }

    /** Starts a gauge family. */
    public MetricsWriter gauge(String name, String help) {
        return family(name, "gauge", help);
    }

    private MetricsWriter family(String name, String type, String help) {
        if (!isMetricName(name)) throw new IllegalArgumentException("not a metric name: " + name);
        if (!families.add(name)) throw new IllegalArgumentException("metric family written twice: " + name);
        family = name;
        out.append("# HELP ").append(name).append(' ');
        escape(help, false);
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** A sample without labels of the current family. */
    public MetricsWriter sample(long value) {
        start();
        return end(value);
    }

    /** A sample with one label. */
    public MetricsWriter sample(String label, String labelValue, long value) {
        start();
        out.append('{');
        label(label, labelValue);
        out.append('}');
        return end(value);
    }

    /** A sample with two labels. */
    public MetricsWriter sample(String label1, String value1, String label2, String value2, long value) {
        start();
        out.append('{');
        label(label1, value1);
        out.append(',');
        label(label2, value2);
        out.append('}');
        return end(value);
    }

    private void start() {
        if (family == null) throw new IllegalArgumentException("a sample before any family");
        out.append(family);
    }

    private MetricsWriter end(long value) {
        out.append(' ').append(value).append('\n');
        return this;
    }

    private void label(String name, String value) {
        if (!isLabelName(name)) throw new IllegalArgumentException("not a label name: " + name);
        out.append(name).append("=\"");
        escape(value == null ? "" : value, true);
        out.append('"');
    }

    /** Help text escapes backslash and line feed; label values also the double quote. */
    private void escape(String s, boolean quote) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '"' && quote) {
                out.append("\\\"");
            } else {
                out.append(c);
            }
        }
    }

    static boolean isMetricName(String name) {
        if (name == null || name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) return false;
        }
        return true;
    }

    static boolean isLabelName(String name) {
        if (name == null || name.isEmpty() || name.startsWith("__")) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
