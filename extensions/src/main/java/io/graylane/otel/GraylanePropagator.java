package io.graylane.otel;

import io.graylane.core.TrafficContext;
import io.graylane.core.TrafficResolver;
import io.graylane.core.log.Log;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The propagator {@code graylane}. Extract: resolves the label by graylane's sources in order and
 * remembers the trace headers, into the context under {@link GraylaneOtel#TRAFFIC}; puts the label
 * into Baggage (and takes rejected label values out of it). Inject: writes the label header and the
 * remembered trace headers that no other configured propagator carries, each only when the request
 * does not have it already, as far as {@link CarrierHeaders} can see.
 *
 * <p>List it after {@code baggage}: OpenTelemetry's baggage propagator replaces the Baggage it finds.
 */
final class GraylanePropagator implements TextMapPropagator {

    private final GraylaneOtel graylane;
    private final Switch extracting = new Switch("the graylane propagator (extract)");
    private final Switch injecting = new Switch("the graylane propagator (inject)");

    GraylanePropagator(GraylaneOtel graylane) {
        this.graylane = graylane;
    }

    @Override
    public Collection<String> fields() {
        List<String> fields = new ArrayList<>();
        if (graylane.config.labelHeader != null) fields.add(graylane.config.labelHeader);
        fields.addAll(graylane.forwardedTraceHeaders());
        return fields;
    }

    @Override
    public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
        if (context == null || setter == null || !injecting.isOn()) return;
        try {
            TrafficContext traffic = graylane.trafficFor(context, carrier);
            for (int i = 0; i < traffic.size(); i++) {
                String name = traffic.name(i);
                if (graylane.writes(name) && CarrierHeaders.get(carrier, name) == null) {
                    setter.set(carrier, name, traffic.value(i));
                }
            }
        } catch (Throwable e) {
            injecting.failed(e);
        }
    }

    @Override
    public <C> Context extract(Context context, C carrier, final TextMapGetter<C> getter) {
        if (context == null) return Context.root();
        if (getter == null || !extracting.isOn()) return context;
        try {
            TrafficContext traffic = graylane.resolver.resolve(carrier, new GetterReader<>(getter));
            return graylane.withLabelInBaggage(context.with(GraylaneOtel.TRAFFIC, traffic), traffic.label());
        } catch (Throwable e) {
            extracting.failed(e);
            return context;
        }
    }

    @Override
    public String toString() {
        return "GraylanePropagator";
    }

    /**
     * Reads an inbound request's headers through the instrumentation's getter, one name at a time, so that a
     * getter that cannot read one name costs that header only, never the request's label. Names ending in
     * {@code -bin} are not read: OpenTelemetry's getters read text, gRPC's throws for a binary key
     * ({@code Metadata.Key.of(name, ASCII_STRING_MARSHALLER)}), and graylane never writes such headers
     * inside OpenTelemetry ({@link GraylaneOtel#writes}).
     */
    private static final class GetterReader<C> implements TrafficResolver.HeaderReader<C> {

        private static final AtomicBoolean REFUSAL_LOGGED = new AtomicBoolean();

        private final TextMapGetter<C> getter;

        GetterReader(TextMapGetter<C> getter) {
            this.getter = getter;
        }

        @Override
        public String get(C carrier, String name) {
            if (name.endsWith("-bin")) return null;
            try {
                return getter.get(carrier, name);
            } catch (RuntimeException e) {
                if (REFUSAL_LOGGED.compareAndSet(false, true)) {
                    Log.warn("cannot read header " + name + " through " + getter.getClass().getName() + " (" + e
                            + "): such headers count as absent (logged once)");
                }
                return null;
            }
        }
    }
}
