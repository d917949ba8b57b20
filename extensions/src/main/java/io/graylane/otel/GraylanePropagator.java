package io.graylane.otel;

import io.graylane.core.TrafficContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

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
            TrafficContext traffic = graylane.resolver.resolve(carrier, getter::get);
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
}
