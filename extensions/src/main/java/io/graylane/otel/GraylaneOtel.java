package io.graylane.otel;

import io.graylane.core.LabelPolicy;
import io.graylane.core.TrafficContext;
import io.graylane.core.TrafficResolver;
import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.config.LabelSource;
import io.graylane.core.log.Log;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * graylane inside one OpenTelemetry Java agent: its configuration (the same keys and precedence as
 * the standalone agent), the resolver of graylane-core, and what OpenTelemetry's other propagators
 * already carry. One per JVM, shared by the propagator and the span processor.
 */
final class GraylaneOtel {

    /** Where a request's {@link TrafficContext} travels: in OpenTelemetry's own context, across threads with it. */
    static final ContextKey<TrafficContext> TRAFFIC = ContextKey.named("graylane-traffic");

    private static volatile GraylaneOtel instance;

    final Config config;
    final TrafficResolver resolver;
    private final LabelPolicy policy;
    /** Keys of the {@code baggage:KEY} label sources: a rejected value under one of them is taken out of Baggage. */
    private final List<String> baggageSourceKeys;
    /** The Baggage key the label is put under: the first baggage source's key, else the label header. */
    final String baggageKey;
    /** Lower-case names the other configured propagators write; graylane leaves those to them. */
    private final Set<String> carriedByOtel = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());

    GraylaneOtel(Config config) {
        this.config = config;
        this.resolver = TrafficResolver.create(config);
        this.policy = new LabelPolicy(config.labelMaxLength, config.labelPattern);
        List<String> keys = new ArrayList<>();
        for (LabelSource source : config.labelSources) {
            if (source.kind() == LabelSource.Kind.BAGGAGE) keys.add(source.name());
        }
        this.baggageSourceKeys = Collections.unmodifiableList(keys);
        this.baggageKey = !keys.isEmpty() ? keys.get(0) : config.labelHeader;
    }

    /** The JVM's instance, configured from system properties and the environment on first use. */
    static GraylaneOtel get() {
        GraylaneOtel g = instance;
        if (g != null) return g;
        synchronized (GraylaneOtel.class) {
            if (instance == null) {
                instance = new GraylaneOtel(ConfigLoader.loadForThisJvm(null));
            }
            return instance;
        }
    }

    /** Records the fields of another configured propagator (tracecontext, baggage, b3 ...): graylane does not write them. */
    void carriedByOtel(Collection<String> fields) {
        for (String field : fields) carriedByOtel.add(field.toLowerCase(Locale.ROOT));
    }

    /**
     * Whether graylane writes this header on outbound calls: the label header always; a trace header
     * unless another configured propagator carries it or it is binary ({@code -bin}: gRPC's ASCII
     * metadata setters reject such keys).
     */
    boolean writes(String name) {
        if (name.equals(config.labelHeader)) return true;
        return !carriedByOtel.contains(name) && !name.endsWith("-bin");
    }

    /** The trace headers of {@code graylane.trace.headers} graylane forwards itself, in configured order. */
    List<String> forwardedTraceHeaders() {
        List<String> names = new ArrayList<>();
        for (String name : config.traceHeaders) {
            if (!name.equals(config.labelHeader) && writes(name)) names.add(name);
        }
        return names;
    }

    /**
     * What an outbound call (or a span) under {@code context} carries: the request's traffic context,
     * or, for work outside any request, the background context (the local label), unless a trace id
     * that the call carries (set by the application on {@code carrier}, or the current span's)
     * was recorded with a label.
     */
    TrafficContext trafficFor(Context context, Object carrier) {
        TrafficContext traffic = context.get(TRAFFIC);
        if (traffic == null) traffic = resolver.background();
        for (int i = 0; i < traffic.lookups(); i++) {
            String name = traffic.lookupName(i);
            String value = carrier == null ? null : CarrierHeaders.get(carrier, name);
            if (value == null && name.equals("traceparent")) value = traceparent(Span.fromContext(context).getSpanContext());
            TrafficContext found = traffic.lookup(i, value);
            if (found != traffic) return found;
        }
        return traffic;
    }

    /**
     * Baggage after extraction: label values the policy rejects are taken out (OpenTelemetry's
     * baggage propagator would forward them), and the request's label is put in, so it reaches
     * log MDC and downstream baggage through OpenTelemetry's own settings.
     */
    Context withLabelInBaggage(Context context, String label) {
        Baggage baggage = Baggage.fromContext(context);
        BaggageBuilder changed = null;
        for (String key : baggageSourceKeys) {
            String value = baggage.getEntryValue(key);
            if (value != null && !policy.accepts(value)) {
                changed = (changed == null ? baggage.toBuilder() : changed).remove(key);
            }
        }
        if (label != null && baggageKey != null && !label.equals(baggage.getEntryValue(baggageKey))) {
            changed = (changed == null ? baggage.toBuilder() : changed).put(baggageKey, label);
        }
        return changed == null ? context : context.with(changed.build());
    }

    private static String traceparent(SpanContext span) {
        if (!span.isValid()) return null;
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex();
    }

    String startupLine(List<String> otelPropagators) {
        List<String> forwarded = forwardedTraceHeaders();
        StringBuilder line = new StringBuilder("graylane ").append(version())
                .append(" started in the OpenTelemetry Java agent: local label ")
                .append(config.localLabel == null ? "(none)" : config.localLabel)
                .append(", config ").append(config.source)
                .append(", otel.propagators ").append(String.join(",", otelPropagators))
                .append(", forwards ").append(forwarded.isEmpty() ? "(no trace headers)" : String.join(",", forwarded));
        if (config.labelHeader != null) line.append(", label header ").append(config.labelHeader);
        return line.toString();
    }

    private static String version() {
        return ConfigLoader.version(TrafficResolver.class.getResourceAsStream("version.properties"));
    }
}
