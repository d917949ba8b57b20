package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.config.Headers;
import io.graylane.core.config.LabelSource;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import io.graylane.core.metrics.TrafficCounters;
import io.graylane.core.mirror.HeaderScrubber;
import io.graylane.core.mirror.Mirror;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the headers of an inbound request into its {@link TrafficContext}: the label by the
 * configured sources in order (first accepted value wins), plus the trace headers it carries.
 * Immutable; built once from the configuration.
 */
final class Inbound implements HeaderScrubber {

    /** Longest trace header value copied to outbound calls; longer ones are dropped. */
    static final int MAX_TRACE_VALUE = 8192;

    private static final AtomicLong rejected = new AtomicLong();

    private final String[] names;
    private final LabelSource.Kind[] sourceKinds;
    private final int[] sourceIndexes;
    private final String[] baggageKeys;
    private final int[] traceIndexes;
    private final int[] idIndexes;
    private final int baggageIndex;
    private final String labelHeader;
    private final String localLabel;
    private final LabelPolicy policy;
    private final TraceMap traceMap;
    private final TrafficContext background;
    /** The shadow marker is forwarded by itself, unless graylane.trace.headers already copies it verbatim. */
    private final int markerIndex;
    private final boolean markerIsTraceHeader;
    /** The graylane.mirror.sample-key header, or -1 when mirroring is off. */
    private final int sampleIndex;
    /** Null when mirroring is off. */
    final Mirror mirror;

    Inbound(Config config, TraceMap traceMap, TrafficContext background) {
        this(config, traceMap, background, null);
    }

    Inbound(Config config, TraceMap traceMap, TrafficContext background, Mirror mirror) {
        List<String> headerNames = new ArrayList<>();
        List<LabelSource> sources = config.labelSources;
        sourceKinds = new LabelSource.Kind[sources.size()];
        sourceIndexes = new int[sources.size()];
        baggageKeys = new String[sources.size()];
        for (int i = 0; i < sources.size(); i++) {
            LabelSource s = sources.get(i);
            sourceKinds[i] = s.kind();
            if (s.kind() == LabelSource.Kind.HEADER) sourceIndexes[i] = indexOf(headerNames, s.name());
            if (s.kind() == LabelSource.Kind.BAGGAGE) {
                sourceIndexes[i] = indexOf(headerNames, "baggage");
                baggageKeys[i] = s.name();
            }
        }
        traceIndexes = indexesOf(headerNames, config.traceHeaders);
        idIndexes = traceMap == null ? new int[0] : indexesOf(headerNames, config.traceIdHeaders);
        baggageIndex = headerNames.indexOf("baggage");
        markerIsTraceHeader = config.traceHeaders.contains(Mirror.MARKER);
        markerIndex = indexOf(headerNames, Mirror.MARKER);
        this.mirror = mirror;
        sampleIndex = mirror == null ? -1 : indexOf(headerNames, config.mirror.sampleKey);
        names = headerNames.toArray(new String[0]);
        labelHeader = config.labelHeader;
        localLabel = config.localLabel;
        policy = new LabelPolicy(config.labelMaxLength, config.labelPattern);
        this.traceMap = traceMap;
        this.background = background;
    }

    private static int indexOf(List<String> names, String name) {
        int i = names.indexOf(name);
        if (i >= 0) return i;
        names.add(name);
        return names.size() - 1;
    }

    private static int[] indexesOf(List<String> names, List<String> wanted) {
        int[] indexes = new int[wanted.size()];
        for (int i = 0; i < indexes.length; i++) indexes[i] = indexOf(names, wanted.get(i));
        return indexes;
    }

    /** The (lower-case) headers a hook must read, in the order {@link #resolve} expects their values. */
    String[] headerNames() {
        return names;
    }

    static long rejectedCount() {
        return rejected.get();
    }

    TrafficContext resolve(String[] values) {
        return resolve(values, null);
    }

    /** The context of a request whose header values are {@code values}; counted for {@code hook} unless it is null. */
    TrafficContext resolve(String[] values, Hook hook) {
        String label = null;
        boolean fromRequest = false;
        TrafficCounters.Source source = TrafficCounters.Source.NONE;
        sources:
        for (int s = 0; s < sourceKinds.length; s++) {
            switch (sourceKinds[s]) {
                case HEADER:
                case BAGGAGE: {
                    String v = values[sourceIndexes[s]];
                    if (v == null) break;
                    if (sourceKinds[s] == LabelSource.Kind.BAGGAGE) {
                        v = Baggage.get(v, baggageKeys[s]);
                        if (v == null) break;
                    }
                    if (policy.accepts(v)) {
                        label = v;
                        fromRequest = true;
                        source = sourceKinds[s] == LabelSource.Kind.HEADER ? TrafficCounters.Source.HEADER
                                : TrafficCounters.Source.BAGGAGE;
                        break sources;
                    }
                    reject(v);
                    if (hook != null) TrafficCounters.rejected(hook);
                    break;
                }
                case TRACE_MAP:
                    for (int id : idIndexes) {
                        String v = values[id];
                        String mapped = v == null ? null : traceMap.get(names[id], v);
                        if (mapped != null) {
                            label = mapped;
                            source = TrafficCounters.Source.TRACE_MAP;
                            break sources;
                        }
                    }
                    break;
                default:
                    if (localLabel != null) {
                        label = localLabel;
                        source = TrafficCounters.Source.LOCAL;
                        break sources;
                    }
            }
        }
        if (labelHeader == null) {
            label = null;
            source = TrafficCounters.Source.NONE;
        }
        if (hook != null) TrafficCounters.inbound(hook, source);

        if (baggageIndex >= 0 && values[baggageIndex] != null) values[baggageIndex] = withoutBadLabels(values[baggageIndex]);
        int present = 0;
        for (int i : traceIndexes) {
            String v = values[i];
            if (v == null) continue;
            // values is the thread's reusable array: a value unfit to forward is dropped here, once
            if (Headers.isSafeValue(v, MAX_TRACE_VALUE)) {
                present++;
            } else {
                values[i] = null;
            }
        }
        boolean shadow = isShadow(values);
        boolean marker = !markerIsTraceHeader && shadow;
        if (present == 0 && !fromRequest && !shadow && label == background.label()) return background;

        int size = present + (label != null ? 1 : 0) + (marker ? 1 : 0);
        String[] outNames = new String[size];
        String[] outValues = new String[size];
        int k = 0;
        if (label != null) {
            outNames[k] = labelHeader;
            outValues[k++] = label;
        }
        if (marker) {
            outNames[k] = Mirror.MARKER;
            outValues[k++] = "1";
        }
        for (int i : traceIndexes) {
            String v = values[i];
            if (v != null) {
                outNames[k] = names[i];
                outValues[k++] = v;
            }
        }
        if (fromRequest && traceMap != null) traceMap.put(names, values, idIndexes, label);
        return new TrafficContext(label, outNames, outValues, shadow);
    }

    /** Whether the request is a shadow copy ({@code x-graylane-mirror: 1}); {@code values} as given to {@link #resolve}. */
    boolean isShadow(String[] values) {
        String v = values[markerIndex];
        return v != null && v.trim().equals("1");
    }

    /** The graylane.mirror.sample-key header's value, or null (also when mirroring is off). */
    String sampleKey(String[] values) {
        return sampleIndex < 0 ? null : values[sampleIndex];
    }

    /**
     * For copies: a header that is a label source ({@code header:NAME}) whose value the policy rejects is left
     * out, and baggage loses rejected label entries, as on outbound calls.
     */
    @Override
    public String scrub(String lowerCaseName, String value) {
        for (int s = 0; s < sourceKinds.length; s++) {
            if (sourceKinds[s] == LabelSource.Kind.HEADER && names[sourceIndexes[s]].equalsIgnoreCase(lowerCaseName)
                    && !policy.accepts(value)) {
                return null;
            }
        }
        return baggageIndex >= 0 && "baggage".equals(lowerCaseName) ? withoutBadLabels(value) : value;
    }

    /** Baggage is forwarded verbatim, so label entries that fail the policy are taken out of it first. */
    private String withoutBadLabels(String baggage) {
        for (int s = 0; s < sourceKinds.length && baggage != null; s++) {
            if (sourceKinds[s] != LabelSource.Kind.BAGGAGE) continue;
            String v = Baggage.get(baggage, baggageKeys[s]);
            if (v == null ? Baggage.has(baggage, baggageKeys[s]) : !policy.accepts(v)) {
                baggage = Baggage.without(baggage, baggageKeys[s]);
            }
        }
        return baggage;
    }

    private static void reject(String value) {
        if (rejected.getAndIncrement() == 0) {
            Log.warn("rejected an inbound label that is too long or has characters outside graylane.label.pattern; "
                    + "such labels are never forwarded (this warning is shown once, later ones are counted)");
        } else if (Log.isDebug()) {
            Log.debug("rejected inbound label of length " + value.length());
        }
    }
}
