package io.graylane.core;

/**
 * What one request carries: its label and the trace headers it arrived with, laid out as the
 * header entries an outbound call should have (the label header first). Immutable, so a task
 * handed to another thread can share it.
 *
 * <p>The background context (no request on this thread) may also offer look-ups: an outbound call
 * that carries a trace id set by the application gets the label recorded for that trace.
 */
public final class TrafficContext {

    private static final String[] NONE = new String[0];

    private final String label;
    private final String[] names;
    private final String[] values;
    private final String[] lookupNames;
    private final TraceMap traceMap;
    private final String labelHeader;
    /** Work of a shadow copy (it arrived with the shadow marker): the shadow write guard applies to it. */
    private final boolean shadow;

    TrafficContext(String label, String[] names, String[] values) {
        this(label, names, values, NONE, null, null, false);
    }

    TrafficContext(String label, String[] names, String[] values, boolean shadow) {
        this(label, names, values, NONE, null, null, shadow);
    }

    private TrafficContext(String label, String[] names, String[] values, String[] lookupNames, TraceMap traceMap,
                           String labelHeader, boolean shadow) {
        this.shadow = shadow;
        this.label = label;
        this.names = names;
        this.values = values;
        this.lookupNames = lookupNames;
        this.traceMap = traceMap;
        this.labelHeader = labelHeader;
    }

    /** Context of work that belongs to no request: the local label, and trace-map look-ups when enabled. */
    static TrafficContext background(String labelHeader, String localLabel, String[] idHeaders, TraceMap traceMap) {
        boolean labelled = labelHeader != null && localLabel != null;
        String[] names = labelled ? new String[] {labelHeader} : NONE;
        String[] values = labelled ? new String[] {localLabel} : NONE;
        boolean lookups = traceMap != null && labelHeader != null && idHeaders.length > 0;
        return new TrafficContext(localLabel, names, values, lookups ? idHeaders : NONE, traceMap, labelHeader, false);
    }

    /** The label, or null. */
    public String label() {
        return label;
    }

    /** Whether this is the work of a shadow copy (the request carried {@code x-graylane-mirror: 1}). */
    public boolean isShadow() {
        return shadow;
    }

    /** Number of header entries an outbound call should carry. */
    public int size() {
        return names.length;
    }

    public String name(int i) {
        return names[i];
    }

    public String value(int i) {
        return values[i];
    }

    /** The value of one entry by (lower-case) name, or null. */
    public String get(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) return values[i];
        }
        return null;
    }

    /** Trace id headers an outbound call should be checked for; 0 except for the background context. */
    public int lookups() {
        return lookupNames.length;
    }

    public String lookupName(int i) {
        return lookupNames[i];
    }

    /**
     * The context to use given the outbound call's value of {@link #lookupName}(i): this one, or,
     * when the trace id is known, a context carrying the label recorded for it (and no look-ups).
     */
    public TrafficContext lookup(int i, String headerValue) {
        if (headerValue == null) return this;
        String mapped = traceMap.get(lookupNames[i], headerValue);
        if (mapped == null) return this;
        return new TrafficContext(mapped, new String[] {labelHeader}, new String[] {mapped});
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("TrafficContext{label=").append(label);
        for (int i = 0; i < names.length; i++) b.append(", ").append(names[i]).append('=').append(values[i]);
        return b.append('}').toString();
    }
}
