package io.graylane.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * Adds {@code graylane.label} to every span as it starts: the label of the parent context (for a
 * server span, what the propagator extracted), or the local label for work outside any request.
 */
final class LabelSpanProcessor implements SpanProcessor {

    static final AttributeKey<String> LABEL = AttributeKey.stringKey("graylane.label");

    private final GraylaneOtel graylane;
    private final Switch labelling = new Switch("the graylane span processor");

    LabelSpanProcessor(GraylaneOtel graylane) {
        this.graylane = graylane;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        if (parentContext == null || !labelling.isOn()) return;
        try {
            String label = graylane.trafficFor(parentContext, null).label();
            if (label != null) span.setAttribute(LABEL, label);
        } catch (Throwable e) {
            labelling.failed(e);
        }
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        // nothing to do at the end
    }

    @Override
    public boolean isEndRequired() {
        return false;
    }
}
