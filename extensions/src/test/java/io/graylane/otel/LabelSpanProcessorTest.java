package io.graylane.otel;

import io.graylane.core.config.ConfigLoader;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LabelSpanProcessorTest {

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<Map<String, String>>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier.get(key);
        }
    };

    private SdkTracerProvider provider;
    private Tracer tracer;
    private GraylanePropagator propagator;

    private void start(String local) {
        GraylaneOtel graylane = new GraylaneOtel(ConfigLoader.load(null, Collections.<String, String>emptyMap(),
                local == null ? Collections.<String, String>emptyMap() : Collections.singletonMap("ASM_TRAFFIC_TAG", local)));
        provider = SdkTracerProvider.builder().addSpanProcessor(new LabelSpanProcessor(graylane)).build();
        tracer = provider.get("test");
        propagator = new GraylanePropagator(graylane);
    }

    @BeforeEach
    void startWithLocalLabel() {
        start("front-lane");
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    private static String label(Span span) {
        return ((ReadableSpan) span).getAttribute(LabelSpanProcessor.LABEL);
    }

    @Test
    void aServerSpanGetsTheExtractedLabelAndItsChildrenToo() {
        Context extracted = propagator.extract(Context.root(), Collections.singletonMap("x-asm-traffic-tag", "lane-a"), GETTER);
        Span server = tracer.spanBuilder("server").setParent(extracted).startSpan();
        Span client = tracer.spanBuilder("client").setParent(extracted.with(server)).startSpan();
        assertEquals("lane-a", label(server));
        assertEquals("lane-a", label(client));
        client.end();
        server.end();
    }

    @Test
    void aServerSpanWithoutAnInboundLabelGetsTheLocalLabel() {
        Context extracted = propagator.extract(Context.root(), Collections.<String, String>emptyMap(), GETTER);
        Span server = tracer.spanBuilder("server").setParent(extracted).startSpan();
        assertEquals("front-lane", label(server));
        server.end();
    }

    @Test
    void workOutsideAnyRequestGetsTheLocalLabel() {
        Span background = tracer.spanBuilder("job").setNoParent().startSpan();
        assertEquals("front-lane", label(background));
        background.end();
    }

    @Test
    void aSpanOutsideGraylanesContextInATraceRecordedWithALabelGetsThatLabel() {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        Map<String, String> labelled = new HashMap<>();
        labelled.put("traceparent", "00-" + traceId + "-1111111111111111-01");
        labelled.put("x-asm-traffic-tag", "lane-t");
        propagator.extract(Context.root(), labelled, GETTER); // a labelled request records its trace id

        // a span of that trace whose context lacks graylane's entry (a parent the application restored itself)
        Span parent = Span.wrap(SpanContext.createFromRemoteParent(traceId, "b7ad6b7169203331",
                TraceFlags.getSampled(), TraceState.getDefault()));
        Span span = tracer.spanBuilder("consumer").setParent(Context.root().with(parent)).startSpan();
        assertEquals("lane-t", label(span));
        span.end();
    }

    @Test
    void withoutAnyLabelNoAttribute() {
        stop();
        start(null);
        Span background = tracer.spanBuilder("job").setNoParent().startSpan();
        assertNull(label(background));
        background.end();
    }
}
