package io.graylane.otel;

import io.graylane.core.log.Log;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;

import java.util.Arrays;
import java.util.List;

/**
 * Hooks graylane into the agent's SDK set-up: learns which headers the other configured propagators
 * write (graylane leaves those to them), adds {@link LabelSpanProcessor}, and prints the startup line
 * (with a warning when {@code otel.propagators} lacks {@code graylane} or lists it before {@code baggage}).
 */
public final class GraylaneCustomizerProvider implements AutoConfigurationCustomizerProvider {

    private static final List<String> DEFAULT_PROPAGATORS = Arrays.asList("tracecontext", "baggage");

    @Override
    public void customize(AutoConfigurationCustomizer customizer) {
        customizer.addPropagatorCustomizer((propagator, config) -> {
            if (!(propagator instanceof GraylanePropagator)) GraylaneOtel.get().carriedByOtel(propagator.fields());
            return propagator;
        });
        // the SDK configures propagators before the tracer provider: the startup line can name what graylane forwards
        customizer.addTracerProviderCustomizer((builder, config) -> {
            GraylaneOtel graylane = GraylaneOtel.get();
            started(graylane, config);
            return builder.addSpanProcessor(new LabelSpanProcessor(graylane));
        });
    }

    private static void started(GraylaneOtel graylane, ConfigProperties config) {
        List<String> propagators = config.getList("otel.propagators", DEFAULT_PROPAGATORS);
        Log.info(graylane.startupLine(propagators));
        int self = propagators.indexOf(GraylanePropagatorProvider.NAME);
        if (self < 0) {
            Log.warn("otel.propagators (" + String.join(",", propagators) + ") does not name graylane: no label is"
                    + " propagated; use -Dotel.propagators=tracecontext,baggage,graylane");
        } else if (self < propagators.indexOf("baggage")) {
            Log.warn("otel.propagators lists graylane before baggage: the baggage propagator then replaces the Baggage"
                    + " graylane cleaned, and a rejected label in baggage is forwarded; list graylane after baggage");
        }
    }
}
