package io.graylane.otel;

import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider;

/** Makes {@code graylane} a name {@code otel.propagators} accepts. */
public final class GraylanePropagatorProvider implements ConfigurablePropagatorProvider {

    static final String NAME = "graylane";

    @Override
    public TextMapPropagator getPropagator(ConfigProperties config) {
        return new GraylanePropagator(GraylaneOtel.get());
    }

    @Override
    public String getName() {
        return NAME;
    }
}
