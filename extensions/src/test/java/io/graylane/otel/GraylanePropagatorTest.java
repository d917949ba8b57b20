package io.graylane.otel;

import io.graylane.core.TrafficContext;
import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.log.Log;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The propagator as the OpenTelemetry SDK composes it: tracecontext, baggage, graylane. */
class GraylanePropagatorTest {

    private static final String LABEL = "x-asm-traffic-tag";
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<Map<String, String>>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key.toLowerCase(Locale.ROOT));
        }
    };
    private static final TextMapSetter<Map<String, String>> SETTER = Map::put;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private GraylaneOtel graylane;
    private TextMapPropagator propagators;

    @BeforeEach
    void quietLog() {
        Log.setOut(new PrintStream(logged, true));
        start(Collections.<String, String>emptyMap(), "front-lane");
    }

    @AfterEach
    void restoreLog() {
        Log.setOut(System.err);
    }

    /** What autoconfigure does with otel.propagators=tracecontext,baggage,graylane and graylane's customizer. */
    private void start(Map<String, String> sysprops, String local) {
        Map<String, String> env = local == null ? Collections.<String, String>emptyMap()
                : Collections.singletonMap("ASM_TRAFFIC_TAG", local);
        Config config = ConfigLoader.load(null, sysprops, env);
        graylane = new GraylaneOtel(config);
        graylane.carriedByOtel(W3CTraceContextPropagator.getInstance().fields());
        graylane.carriedByOtel(W3CBaggagePropagator.getInstance().fields());
        propagators = TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(),
                W3CBaggagePropagator.getInstance(), new GraylanePropagator(graylane));
    }

    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) m.put(namesAndValues[i], namesAndValues[i + 1]);
        return m;
    }

    private Context extract(Map<String, String> inbound) {
        return propagators.extract(Context.root(), inbound, GETTER);
    }

    private Map<String, String> inject(Context context, Map<String, String> outbound) {
        propagators.inject(context, outbound, SETTER);
        return outbound;
    }

    private Map<String, String> forward(Map<String, String> inbound) {
        return inject(extract(inbound), new HashMap<String, String>());
    }

    @Test
    void labelAndTraceHeadersAreForwardedTraceContextAndBaggageByOpenTelemetry() {
        Map<String, String> out = forward(headers(LABEL, "lane-a", "x-request-id", "r-1", "traceparent", TRACEPARENT,
                "b3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"));
        assertEquals("lane-a", out.get(LABEL));
        assertEquals("r-1", out.get("x-request-id"));
        assertEquals("0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1", out.get("b3"));
        assertEquals(TRACEPARENT, out.get("traceparent"), "written by tracecontext (no span here)");
        assertEquals(LABEL + "=lane-a", out.get("baggage"), "the label is put into Baggage");
    }

    @Test
    void labelSourcesInOrder() {
        assertEquals("lane-h", forward(headers(LABEL, "lane-h", "baggage", LABEL + "=lane-b")).get(LABEL));
        assertEquals("lane-b", forward(headers("baggage", "k=v," + LABEL + "=lane-b", "x-request-id", "r-7")).get(LABEL));
        assertEquals("lane-b", forward(headers("x-request-id", "r-7")).get(LABEL), "the trace map");
        assertEquals("front-lane", forward(headers("x-request-id", "r-8")).get(LABEL), "the local label");
        assertEquals("front-lane", forward(headers()).get(LABEL));
    }

    /**
     * gRPC's getter reads every name as an ASCII metadata key and throws for a binary one ({@code grpc-trace-bin},
     * among the default trace headers); one that throws for another name costs that header only. Neither may cost
     * the request its label, nor switch extraction off for later requests.
     */
    @Test
    void aGetterThatThrowsForSomeNamesCostsOnlyThoseHeaders() {
        TextMapGetter<Map<String, String>> grpcLike = new TextMapGetter<Map<String, String>>() {
            @Override
            public Iterable<String> keys(Map<String, String> carrier) {
                return carrier.keySet();
            }

            @Override
            public String get(Map<String, String> carrier, String key) {
                if (key.endsWith("-bin")) throw new IllegalArgumentException("ASCII header is named " + key);
                if (key.equals("b3")) throw new IllegalStateException("cannot read b3");
                return carrier.get(key);
            }
        };
        for (String requestId : Arrays.asList("r-1", "r-2")) {
            Map<String, String> inbound = headers(LABEL, "lane-g", "x-request-id", requestId, "b3", "x", "grpc-trace-bin", "AAA");
            TrafficContext traffic = propagators.extract(Context.root(), inbound, grpcLike).get(GraylaneOtel.TRAFFIC);
            assertEquals("lane-g", traffic.label());
            assertEquals(requestId, traffic.get("x-request-id"));
            assertNull(traffic.get("b3"));
        }
        String log = logged.toString();
        assertFalse(log.contains("switched off"), log);
        assertEquals(1, log.split("cannot read header b3", -1).length - 1, "one warning, once: " + log);
    }

    @Test
    void theExtractedContextCarriesTheTrafficContext() {
        Context context = extract(headers(LABEL, "lane-a", "x-request-id", "r-1"));
        TrafficContext traffic = context.get(GraylaneOtel.TRAFFIC);
        assertEquals("lane-a", traffic.label());
        assertEquals("r-1", traffic.get("x-request-id"));
        assertEquals("lane-a", Baggage.fromContext(context).getEntryValue(LABEL));
    }

    @Test
    void rejectedLabelsAreNeverForwardedInAnyHeader() {
        char[] tenKb = new char[10 * 1024];
        Arrays.fill(tenKb, 'a');
        for (Map<String, String> bad : Arrays.asList(
                headers(LABEL, "lane a/b"),
                headers(LABEL, "lane;x"),
                headers(LABEL, new String(tenKb)),
                headers("baggage", LABEL + "=bad%0D%0Ainjected"),
                headers("baggage", "userId=alice," + LABEL + "=bad%0D%0Ainjected"))) {
            Map<String, String> out = forward(bad);
            assertEquals("front-lane", out.get(LABEL), bad.toString());
            for (Map.Entry<String, String> header : out.entrySet()) {
                assertFalse(header.getValue().contains("bad") || header.getValue().contains("injected")
                        || header.getValue().contains("lane a") || header.getValue().contains("aaaa"),
                        "rejected value in " + header + " for " + bad);
            }
        }
        assertEquals("userId=alice," + LABEL + "=front-lane",
                forward(headers("baggage", "userId=alice," + LABEL + "=bad%0D%0Ainjected")).get("baggage"),
                "other baggage entries stay");
    }

    @Test
    void outsideAnyRequestTheLocalLabelIsSent() {
        Map<String, String> out = inject(Context.root(), new HashMap<String, String>());
        assertEquals(Collections.singletonMap(LABEL, "front-lane"), out);
    }

    @Test
    void withoutALocalLabelWorkOutsideRequestsCarriesNothing() {
        start(Collections.<String, String>emptyMap(), null);
        assertTrue(inject(Context.root(), new HashMap<String, String>()).isEmpty());
    }

    @Test
    void aTraceIdTheApplicationSetsMapsBackToItsLabel() {
        forward(headers(LABEL, "lane-m", "x-request-id", "r-42"));
        Map<String, String> out = inject(Context.root(), headers("x-request-id", "r-42"));
        assertEquals("lane-m", out.get(LABEL));
        assertEquals("front-lane", inject(Context.root(), headers("x-request-id", "r-unknown")).get(LABEL));
    }

    @Test
    void whatTheApplicationSetItselfWinsInAnyCase() {
        Context context = extract(headers(LABEL, "lane-a", "x-request-id", "r-in"));
        Map<String, String> out = new TreeMap<>();
        out.put("X-Asm-Traffic-Tag", "app-set");
        out.put("X-Request-Id", "app-id");
        inject(context, out);
        assertEquals("app-set", out.get("X-Asm-Traffic-Tag"));
        assertEquals("app-id", out.get("X-Request-Id"));
        assertNull(out.get(LABEL), "no second header in another case");
        assertNull(out.get("x-request-id"));
    }

    @Test
    void whatTheApplicationSetOnAnHttpUrlConnectionWins() throws Exception {
        Context context = extract(headers(LABEL, "lane-a", "x-request-id", "r-in"));
        HttpURLConnection connection = (HttpURLConnection) new URL("http://127.0.0.1:9/").openConnection(); // never connected
        connection.setRequestProperty("X-Asm-Traffic-Tag", "app-set");
        propagators.inject(context, connection, HttpURLConnection::setRequestProperty);
        assertEquals("app-set", connection.getRequestProperty(LABEL));
        assertEquals("r-in", connection.getRequestProperty("x-request-id"));
    }

    @Test
    void headersAnotherPropagatorCarriesAndBinaryHeadersAreLeftAlone() {
        graylane.carriedByOtel(Arrays.asList("b3", "X-B3-TraceId"));
        Map<String, String> out = forward(headers(LABEL, "lane-a", "b3", "abc-def", "x-b3-traceid", "abc",
                "grpc-trace-bin", "AAAA", "x-request-id", "r-1"));
        assertEquals(headers(LABEL, "lane-a", "x-request-id", "r-1", "baggage", LABEL + "=lane-a"), out);
        assertFalse(new GraylanePropagator(graylane).fields().contains("grpc-trace-bin"));
        assertFalse(new GraylanePropagator(graylane).fields().contains("traceparent"));
        assertTrue(new GraylanePropagator(graylane).fields().containsAll(Arrays.asList(LABEL, "x-request-id")));
    }

    @Test
    void aFailingInjectionNeverReachesTheApplicationAndSwitchesItselfOff() {
        Context context = extract(headers(LABEL, "lane-a"));
        GraylanePropagator propagator = new GraylanePropagator(graylane);
        int[] calls = {0};
        TextMapSetter<Map<String, String>> broken = (carrier, key, value) -> {
            calls[0]++;
            throw new IllegalStateException("boom");
        };
        propagator.inject(context, new HashMap<String, String>(), broken);
        propagator.inject(context, new HashMap<String, String>(), broken);
        assertEquals(1, calls[0], "switched off after the first failure");
        String log = logged.toString();
        assertTrue(log.contains("boom") && log.contains("switched off"), log);
    }
}
