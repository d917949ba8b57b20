package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrafficTest {

    private static final String LABEL = "x-asm-traffic-tag";
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void quietLog() {
        Log.setOut(new PrintStream(logged, true));
    }

    @AfterEach
    void tearDown() {
        Traffic.stop();
        for (Hook hook : Hook.values()) hook.reset();
        Log.setOut(System.err);
    }

    // ---- helpers ----

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    private static Config start(Map<String, String> sysprops, Map<String, String> env) {
        Config config = ConfigLoader.load(null, sysprops, env);
        assertEquals(Collections.emptyList(), config.problems);
        Traffic.start(config);
        return config;
    }

    private static void startWithLocal(String local) {
        start(Collections.<String, String>emptyMap(), map("ASM_TRAFFIC_TAG", local));
    }

    /** What a servlet hook does: read the headers the core asks for, open the context. */
    private static Scope serve(Hook hook, Map<String, String> headers) {
        InboundRequest in = Traffic.inbound(hook);
        assertNotNull(in, "inbound refused");
        for (int i = 0; i < in.size(); i++) in.set(i, headers.get(in.name(i)));
        return in.open();
    }

    private static TrafficContext contextOf(Map<String, String> headers) {
        Scope scope = serve(Hook.SERVLET, headers);
        try {
            TrafficContext context = Traffic.current();
            assertNotNull(context);
            assertSame(context, Traffic.outbound(Hook.OKHTTP), "outbound calls in the request carry its context");
            return context;
        } finally {
            scope.close();
        }
    }

    private static String labelOf(Map<String, String> headers) {
        return contextOf(headers).label();
    }

    private static List<String> entries(TrafficContext context) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < context.size(); i++) entries.add(context.name(i) + "=" + context.value(i));
        return entries;
    }

    // ---- label sources, in order ----

    @Test
    void headerBeatsBaggageBeatsTraceMapBeatsLocal() {
        startWithLocal("lane-local");
        for (String id : Arrays.asList("t-1", "t-2", "t-3")) {
            labelOf(map(LABEL, "lane-map", "x-request-id", id)); // records id -> lane-map
        }

        assertEquals("lane-header", labelOf(map(LABEL, "lane-header", "baggage", LABEL + "=lane-bag", "x-request-id", "t-1")));
        assertEquals("lane-bag", labelOf(map("baggage", "k=1, " + LABEL + "=lane-bag;p=1", "x-request-id", "t-2")));
        assertEquals("lane-map", labelOf(map("x-request-id", "t-3")));
        assertEquals("lane-local", labelOf(map("x-request-id", "unknown")));
        assertEquals("lane-local", labelOf(map()));
    }

    @Test
    void traceMapFindsTheLabelByTraceparentOfAnotherSpan() {
        start(Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap());
        labelOf(map(LABEL, "lane-a", "traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01"));
        assertEquals("lane-a", labelOf(map("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")));
        assertNull(labelOf(map("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")));
    }

    @Test
    void labelFromTheRequestIsRecordedForItsTraceIds() {
        startWithLocal("lane-local");
        assertEquals("lane-local", labelOf(map("x-request-id", "r-1")));
        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        assertEquals("x-request-id", background.lookupName(0));
        assertSame(background, background.lookup(0, "r-1"), "the local label is not recorded: the map holds request labels only");
        assertEquals("lane-bag", labelOf(map("baggage", LABEL + "=lane-bag", "x-request-id", "r-1")));
        assertEquals("lane-bag", labelOf(map("x-request-id", "r-1")), "the baggage label was recorded");
        labelOf(map(LABEL, "lane-h", "x-request-id", "r-1"));
        assertEquals("lane-h", labelOf(map("x-request-id", "r-1")), "a later request's label replaces it");
    }

    @Test
    void invalidHeaderLabelFallsThroughAndIsNeverForwarded() {
        startWithLocal("lane-local");
        TrafficContext viaBaggage = contextOf(map(LABEL, "bad lane", "baggage", LABEL + "=lane-bag"));
        assertEquals("lane-bag", viaBaggage.label());
        assertEquals("lane-bag", viaBaggage.get(LABEL));

        TrafficContext viaLocal = contextOf(map(LABEL, "lane\r\nx-evil: 1", "baggage", LABEL + "=bad%2Flane"));
        assertEquals("lane-local", viaLocal.label());
        // the rejected value never becomes the label, and is taken out of the baggage that travels on
        assertEquals(Arrays.asList(LABEL + "=lane-local"), entries(viaLocal));
        TrafficContext keptEntries = contextOf(map("baggage", "userId=alice, " + LABEL + "=bad%0D%0Ax"));
        assertEquals(Arrays.asList(LABEL + "=lane-local", "baggage=userId=alice"), entries(keptEntries));

        labelOf(map(LABEL, "lane-map", "x-request-id", "r-1"));
        assertEquals("lane-map", labelOf(map(LABEL, "-bad", "x-request-id", "r-1")));
        assertEquals("lane-map", labelOf(map("x-request-id", "r-1")), "a rejected label is not recorded");
    }

    @Test
    void invalidLabelWithNoOtherSourceLeavesTheRequestUnlabelled() {
        start(Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap());
        char[] huge = new char[200];
        Arrays.fill(huge, 'a');
        TrafficContext context = contextOf(map(LABEL, new String(huge), "x-request-id", "r-1"));
        assertNull(context.label());
        assertNull(context.get(LABEL));
        assertEquals(Collections.singletonList("x-request-id=r-1"), entries(context));
    }

    // ---- the context's entries ----

    @Test
    void contextHasTheLabelFirstThenPresentTraceHeadersInConfigOrder() {
        startWithLocal("lane-local");
        TrafficContext context = contextOf(map(
                "b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
                "tracestate", "congo=t61rcWkgMzE",
                "traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01",
                LABEL, "lane-a",
                "x-request-id", "r-1",
                "authorization", "secret"));
        assertEquals(Arrays.asList(
                LABEL + "=lane-a",
                "x-request-id=r-1",
                "traceparent=00-" + TRACE_ID + "-b7ad6b7169203331-01",
                "tracestate=congo=t61rcWkgMzE",
                "b3=80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"), entries(context));
        assertEquals("r-1", context.get("x-request-id"));
        assertNull(context.get("authorization"));
    }

    @Test
    void traceHeadersFollowTheConfiguredOrder() {
        start(map("graylane.trace.headers", "b3,x-request-id", "graylane.label.header", "x-lane",
                "graylane.label.sources", "header:x-lane"), Collections.<String, String>emptyMap());
        TrafficContext context = contextOf(map("x-request-id", "r-1", "b3", "abc-def", "x-lane", "lane-a",
                "traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01"));
        assertEquals(Arrays.asList("x-lane=lane-a", "b3=abc-def", "x-request-id=r-1"), entries(context));
    }

    @Test
    void baggageIsForwardedVerbatimAndAlsoServesAsALabelSource() {
        start(Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap());
        String baggage = "userId=alice," + LABEL + "=lane-b";
        TrafficContext context = contextOf(map("baggage", baggage));
        assertEquals(Arrays.asList(LABEL + "=lane-b", "baggage=" + baggage), entries(context));
    }

    @Test
    void unsafeTraceHeaderValuesAreDropped() {
        startWithLocal("lane-local");
        char[] huge = new char[Inbound.MAX_TRACE_VALUE + 1];
        Arrays.fill(huge, 'a');
        TrafficContext context = contextOf(map(
                "x-request-id", "r-1\r\nx-evil: 1",
                "traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01",
                "tracestate", "a=1\nb=2",
                "b3", new String(huge),
                "x-b3-traceid", "abc\u0000",
                "x-b3-spanid", "caf\u00e9"));
        assertEquals(Arrays.asList(LABEL + "=lane-local", "traceparent=00-" + TRACE_ID + "-b7ad6b7169203331-01"),
                entries(context));
    }

    @Test
    void requestWithNothingUsesTheBackgroundContext() {
        startWithLocal("lane-local");
        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        assertSame(background, contextOf(map()), "nothing to carry: the background context is reused, not copied");
    }

    // ---- scopes ----

    @Test
    void nestedInboundIsRefusedWhileAScopeIsOpen() {
        startWithLocal("lane-local");
        Scope outer = serve(Hook.SERVLET, map(LABEL, "lane-a"));
        assertNull(Traffic.inbound(Hook.SERVLET), "a nested filter does not open a second context");
        assertNull(Traffic.inbound(Hook.GRPC));
        assertEquals("lane-a", Traffic.current().label());
        outer.close();
        assertNull(Traffic.current());

        InboundRequest again = Traffic.inbound(Hook.SERVLET);
        assertNotNull(again, "after close the thread serves the next request");
        for (int i = 0; i < again.size(); i++) again.set(i, LABEL.equals(again.name(i)) ? "lane-b" : null);
        Scope second = again.open();
        assertEquals("lane-b", Traffic.current().label());
        second.close();
    }

    @Test
    void valuesOfAnAbandonedReadAreNotReused() {
        startWithLocal("lane-local");
        InboundRequest first = Traffic.inbound(Hook.SERVLET);
        for (int i = 0; i < first.size(); i++) first.set(i, LABEL.equals(first.name(i)) ? "lane-a" : null);
        // never opened: the hook gave up (e.g. an exception); the next request must not see lane-a
        assertEquals("lane-local", labelOf(map()));
    }

    @Test
    void closeLeavesTheThreadWithoutContext() {
        startWithLocal("lane-local");
        TrafficContext captured = contextOf(map(LABEL, "lane-a"));

        // a server thread that inherited a context (e.g. started under a request) must not keep it after serving one
        assertNull(Traffic.replay(captured));
        Scope scope = serve(Hook.SERVLET, map(LABEL, "lane-b"));
        assertEquals("lane-b", Traffic.current().label());
        scope.close();
        assertNull(Traffic.current());
        scope.close(); // closing twice is harmless
        assertNull(Traffic.current());
    }

    // ---- outbound without a request ----

    @Test
    void outboundWithoutARequestCarriesTheLocalLabel() {
        startWithLocal("lane-local");
        assertNull(Traffic.current());
        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        assertNotNull(background);
        assertEquals("lane-local", background.label());
        assertEquals(Collections.singletonList(LABEL + "=lane-local"), entries(background));
    }

    @Test
    void outboundWithoutARequestLocalLabelOrTraceMapIsNull() {
        Config config = ConfigLoader.load(null, map("graylane.trace-map.max-entries", "0"), Collections.<String, String>emptyMap());
        Traffic.start(config);
        assertNull(Traffic.outbound(Hook.OKHTTP));
        assertNull(Traffic.outbound(Hook.HTTP_URL_CONNECTION));
    }

    @Test
    void outboundWithoutALocalLabelButWithATraceMapOffersLookups() {
        start(Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap());
        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        assertNotNull(background);
        assertNull(background.label());
        assertEquals(0, background.size());
        assertEquals(3, background.lookups());
    }

    @Test
    void lookupByARecordedTraceIdGivesTheRecordedLabel() {
        start(Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap());
        labelOf(map(LABEL, "lane-t", "x-request-id", "r-42", "traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01"));

        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        int requestId = -1;
        int traceparent = -1;
        for (int i = 0; i < background.lookups(); i++) {
            if (background.lookupName(i).equals("x-request-id")) requestId = i;
            if (background.lookupName(i).equals("traceparent")) traceparent = i;
        }
        assertTrue(requestId >= 0 && traceparent >= 0);

        TrafficContext found = background.lookup(requestId, "r-42");
        assertEquals("lane-t", found.label());
        assertEquals(Collections.singletonList(LABEL + "=lane-t"), entries(found));
        assertEquals(0, found.lookups());

        assertEquals("lane-t", background.lookup(traceparent, "00-" + TRACE_ID + "-1111111111111111-00").label());
        assertSame(background, background.lookup(requestId, "r-unknown"));
        assertSame(background, background.lookup(requestId, null));
    }

    @Test
    void lookupWithALocalLabelStillPrefersTheRecordedLabel() {
        startWithLocal("lane-local");
        labelOf(map(LABEL, "lane-t", "x-request-id", "r-42"));
        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        assertEquals("lane-local", background.label());
        assertEquals("lane-t", background.lookup(0, "r-42").label());
        assertEquals("x-request-id", background.lookupName(0));
    }

    @Test
    void invalidLabelHeaderMeansNoLabelIsCarried() {
        Config config = ConfigLoader.load(null, map("graylane.label.header", "bad header"), map("ASM_TRAFFIC_TAG", "lane-local"));
        Traffic.start(config);
        TrafficContext context = contextOf(map(LABEL, "lane-a", "x-request-id", "r-1"));
        assertNull(context.label());
        assertEquals(Collections.singletonList("x-request-id=r-1"), entries(context));
        TrafficContext background = Traffic.outbound(Hook.OKHTTP);
        assertTrue(background == null || background.size() == 0);
    }

    // ---- switches ----

    @Test
    void nothingHappensBeforeStart() {
        Traffic.stop();
        assertNull(Traffic.inbound(Hook.SERVLET));
        assertNull(Traffic.outbound(Hook.OKHTTP));
        assertNull(Traffic.config());
    }

    @Test
    void switchedOffHookGetsNothing() {
        startWithLocal("lane-local");
        assertNotNull(Traffic.outbound(Hook.OKHTTP));

        Hook.SERVLET.fail(new IllegalStateException("boom"));
        Hook.OKHTTP.fail(new IllegalStateException("boom"));
        assertNull(Traffic.inbound(Hook.SERVLET));
        assertNull(Traffic.outbound(Hook.OKHTTP));
        assertNotNull(Traffic.inbound(Hook.GRPC), "other hooks stay on");
        assertNotNull(Traffic.outbound(Hook.HTTP_URL_CONNECTION));
        assertTrue(logged.toString().contains("okhttp"), logged.toString());
    }

    @Test
    void hookFailingByConfigNameIsSwitchedOffAndLoggedOnce() {
        startWithLocal("lane-local");
        Hook.failed(new IllegalStateException("boom-1"), "java-http-client");
        Hook.failed(new IllegalStateException("boom-2"), "java-http-client");
        assertNull(Traffic.outbound(Hook.JAVA_HTTP_CLIENT));
        String log = logged.toString();
        assertTrue(log.contains("boom-1"), log);
        assertTrue(!log.contains("boom-2"), "logged once: " + log);
    }

    // ---- across threads ----

    @Test
    void replayAndRestoreRoundTrip() throws InterruptedException {
        startWithLocal("lane-local");
        final TrafficContext a = contextOf(map(LABEL, "lane-a"));
        final TrafficContext b = contextOf(map(LABEL, "lane-b"));
        assertNull(Traffic.current());

        TrafficContext previous = Traffic.replay(a);
        assertNull(previous);
        assertSame(a, Traffic.current());
        assertSame(a, Traffic.outbound(Hook.OKHTTP));

        TrafficContext beforeB = Traffic.replay(b);
        assertSame(a, beforeB);
        assertSame(b, Traffic.outbound(Hook.OKHTTP));
        Traffic.restore(beforeB);
        assertSame(a, Traffic.current());
        Traffic.restore(previous);
        assertNull(Traffic.current());
        assertEquals("lane-local", Traffic.outbound(Hook.OKHTTP).label());

        // the task of another thread runs under the submitter's context, and leaves none behind
        final AtomicReference<String> seen = new AtomicReference<>();
        final AtomicReference<TrafficContext> after = new AtomicReference<>();
        Thread worker = new Thread(new Runnable() {
            @Override
            public void run() {
                TrafficContext saved = Traffic.replay(a);
                try {
                    seen.set(Traffic.outbound(Hook.OKHTTP).label());
                } finally {
                    Traffic.restore(saved);
                }
                after.set(Traffic.current());
            }
        });
        worker.start();
        worker.join(10_000);
        assertEquals("lane-a", seen.get());
        assertNull(after.get());
    }

    @Test
    void replayOfNullOnAFreshThreadIsHarmless() throws InterruptedException {
        startWithLocal("lane-local");
        final AtomicReference<Object> result = new AtomicReference<Object>("unset");
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                TrafficContext previous = Traffic.replay(null);
                Traffic.restore(previous);
                result.set(Traffic.current());
            }
        });
        t.start();
        t.join(10_000);
        assertNull(result.get());
    }

    @Test
    void aThreadsStateSwitchesToAContextAndBack() throws InterruptedException {
        startWithLocal("lane-local");
        final TrafficContext a = contextOf(map(LABEL, "lane-a"));
        final AtomicReference<Object> nullOnFreshThread = new AtomicReference<Object>("unset");
        final AtomicReference<Object> during = new AtomicReference<Object>();
        final AtomicReference<Object> after = new AtomicReference<Object>("unset");
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                // no context and none wanted: no state is made, nothing to switch
                nullOnFreshThread.set(Traffic.thread(null));
                InboundRequest thread = Traffic.thread(a);
                TrafficContext previous = thread.swap(a);
                during.set(Traffic.outbound(Hook.OKHTTP).label());
                assertSame(a, thread.swap(previous));
                after.set(Traffic.current());
            }
        });
        t.start();
        t.join(10_000);
        assertNull(nullOnFreshThread.get());
        assertEquals("lane-a", during.get());
        assertNull(after.get());
        // a thread with state gets it back for null too (a signal of a chain subscribed outside any request)
        InboundRequest mine = Traffic.thread(a);
        assertSame(mine, Traffic.thread(null));
    }
}
