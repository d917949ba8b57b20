package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import io.graylane.core.metrics.Metrics;
import io.graylane.core.metrics.TrafficCounters;
import io.graylane.core.metrics.TrafficCounters.Call;
import io.graylane.core.metrics.TrafficCounters.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which counter each request and call lands in. Counters are process-wide: every check is on a difference. */
class TrafficCountersTest {

    private static final String LABEL = "x-asm-traffic-tag";
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @BeforeEach
    void quietLog() {
        Log.setOut(new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void tearDown() {
        Traffic.stop();
        for (Hook hook : Hook.values()) hook.reset();
        TrafficCounters.setCounting(true);
        Log.setOut(System.err);
    }

    private static void start(Map<String, String> sysprops, Map<String, String> env) {
        Config config = ConfigLoader.load(null, sysprops, env);
        assertEquals(Collections.emptyList(), config.problems);
        Traffic.start(config);
    }

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    private static void serve(Hook hook, String... headers) {
        InboundRequest in = Traffic.inbound(hook);
        Map<String, String> h = map(headers);
        for (int i = 0; i < in.size(); i++) in.set(i, h.get(in.name(i)));
        in.open().close();
    }

    private static Map<Source, Long> inbound(Hook hook) {
        Map<Source, Long> m = new EnumMap<>(Source.class);
        for (Source s : Source.values()) m.put(s, TrafficCounters.inboundCount(hook, s));
        return m;
    }

    private static Map<Call, Long> outbound(Hook hook) {
        Map<Call, Long> m = new EnumMap<>(Call.class);
        for (Call c : Call.values()) m.put(c, TrafficCounters.outboundCount(hook, c));
        return m;
    }

    private static Map<Source, Long> diff(Map<Source, Long> after, Map<Source, Long> before) {
        Map<Source, Long> m = new EnumMap<>(Source.class);
        for (Source s : Source.values()) m.put(s, after.get(s) - before.get(s));
        return m;
    }

    private static Map<Source, Long> expected(long header, long baggage, long traceMap, long local, long none) {
        Map<Source, Long> m = new EnumMap<>(Source.class);
        m.put(Source.HEADER, header);
        m.put(Source.BAGGAGE, baggage);
        m.put(Source.TRACE_MAP, traceMap);
        m.put(Source.LOCAL, local);
        m.put(Source.NONE, none);
        return m;
    }

    @Test
    void inboundRequestsAreCountedByTheSourceOfTheirLabelAndRejectedValuesPerHook() {
        start(Collections.<String, String>emptyMap(), map("ASM_TRAFFIC_TAG", "base"));
        Map<Source, Long> servlet = inbound(Hook.SERVLET);
        Map<Source, Long> grpc = inbound(Hook.GRPC);
        long rejectedServlet = TrafficCounters.rejectedCount(Hook.SERVLET);

        serve(Hook.SERVLET, LABEL, "dev-x", "traceparent", TRACEPARENT);       // header, recorded in the trace map
        serve(Hook.SERVLET, "baggage", "k=v,x-asm-traffic-tag=dev-y");          // baggage
        serve(Hook.SERVLET, "traceparent", TRACEPARENT);                          // trace-map
        serve(Hook.SERVLET);                                                      // local
        serve(Hook.SERVLET, LABEL, "bad label!", "baggage", "x-asm-traffic-tag=bad!label"); // two rejected values, then local
        serve(Hook.GRPC, LABEL, "dev-z");

        assertEquals(expected(1, 1, 1, 2, 0), diff(inbound(Hook.SERVLET), servlet));
        assertEquals(expected(1, 0, 0, 0, 0), diff(inbound(Hook.GRPC), grpc));
        assertEquals(2, TrafficCounters.rejectedCount(Hook.SERVLET) - rejectedServlet);
    }

    @Test
    void withoutALocalLabelAnUnlabelledRequestIsNone_andANestedOrSwitchedOffHookCountsNothing() {
        start(map("graylane.label.sources", "header:x-asm-traffic-tag"), Collections.<String, String>emptyMap());
        Map<Source, Long> before = inbound(Hook.SERVLET);
        serve(Hook.SERVLET);
        InboundRequest outer = Traffic.inbound(Hook.SERVLET);
        Scope scope = outer.open();
        assertNull(Traffic.inbound(Hook.SERVLET), "a nested filter opens nothing");
        scope.close();
        Hook.SERVLET.fail(new RuntimeException("test"));
        assertNull(Traffic.inbound(Hook.SERVLET));
        assertEquals(expected(0, 0, 0, 0, 2), diff(inbound(Hook.SERVLET), before));
    }

    @Test
    void outboundCallsAreCountedByTheirContext() throws Exception {
        start(Collections.<String, String>emptyMap(), map("ASM_TRAFFIC_TAG", "base"));
        Map<Call, Long> before = outbound(Hook.OKHTTP);
        Traffic.outbound(Hook.OKHTTP); // this thread serves no request: background (the local label applies)
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        Scope scope = in.open();
        Traffic.outbound(Hook.OKHTTP); // request
        Traffic.outboundAgain(Hook.OKHTTP); // the same call seen again: not counted
        TrafficContext request = Traffic.current();
        scope.close();
        Thread pool = new Thread(() -> {
            Traffic.outbound(Hook.OKHTTP, request); // a context a hook recorded: request
            Traffic.outbound(Hook.OKHTTP, null);    // none recorded: background
        });
        pool.start();
        pool.join();
        Map<Call, Long> after = outbound(Hook.OKHTTP);
        assertEquals(2, after.get(Call.REQUEST) - before.get(Call.REQUEST));
        assertEquals(2, after.get(Call.BACKGROUND) - before.get(Call.BACKGROUND));
        assertEquals(0, after.get(Call.NONE) - before.get(Call.NONE));
    }

    @Test
    void aDeferredCallIsCountedOnceOnTheCallersThreadAndNotAgainWhereItReallyStarts() throws Exception {
        start(Collections.<String, String>emptyMap(), map("ASM_TRAFFIC_TAG", "base"));
        Map<Call, Long> before = outbound(Hook.GRPC);
        Object metadata = new Object();
        Scope scope = Traffic.inbound(Hook.SERVLET).open();
        Traffic.outboundDeferred(Hook.GRPC, metadata); // DelayedClientCall.start, in the request: request
        scope.close();
        Thread grpcThread = new Thread(() -> {
            Traffic.outboundOnce(Hook.GRPC, metadata);     // the real start, later, elsewhere: not again
            Traffic.outboundOnce(Hook.GRPC, new Object()); // another call started directly: background here
        });
        grpcThread.start();
        grpcThread.join();
        Map<Call, Long> after = outbound(Hook.GRPC);
        assertEquals(1, after.get(Call.REQUEST) - before.get(Call.REQUEST));
        assertEquals(1, after.get(Call.BACKGROUND) - before.get(Call.BACKGROUND));
    }

    @Test
    void callsOutsideRequestsWithNothingToAddAreNone() {
        Config config = ConfigLoader.load(null, map("graylane.label.sources", "header:x-asm-traffic-tag",
                "graylane.trace.id-headers", ""), Collections.<String, String>emptyMap());
        Traffic.start(config);
        Map<Call, Long> before = outbound(Hook.JAVA_HTTP_CLIENT);
        assertNull(Traffic.outbound(Hook.JAVA_HTTP_CLIENT));
        Map<Call, Long> after = outbound(Hook.JAVA_HTTP_CLIENT);
        assertEquals(1, after.get(Call.NONE) - before.get(Call.NONE));
        assertEquals(0, after.get(Call.BACKGROUND) - before.get(Call.BACKGROUND));
    }

    @Test
    void withMirroringOnTheScrapeHasTheMirrorsCounters() {
        start(map("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://127.0.0.1:9"),
                Collections.<String, String>emptyMap());
        String text = Metrics.scrape();
        assertTrue(text.contains("# TYPE graylane_mirror_selected_total counter\ngraylane_mirror_selected_total 0\n"), text);
        for (String outcome : new String[] {"sent", "failed", "dropped", "skipped"}) {
            assertTrue(text.contains("graylane_mirror_copies_total{outcome=\"" + outcome + "\"} 0\n"), text);
        }
        assertTrue(text.contains("# TYPE graylane_mirror_queued gauge\ngraylane_mirror_queued 0\n"), text);
        Traffic.stop();
        assertTrue(!Metrics.scrape().contains("graylane_mirror_"), "mirroring off: no mirror families");
    }

    @Test
    void switchedOffCountingCountsNothing_andTheScrapeShowsTheCounts() {
        start(Collections.<String, String>emptyMap(), map("ASM_TRAFFIC_TAG", "base"));
        long before = TrafficCounters.outboundCount(Hook.APACHE_HTTPCLIENT, Call.BACKGROUND);
        TrafficCounters.setCounting(false);
        Traffic.outbound(Hook.APACHE_HTTPCLIENT);
        assertEquals(before, TrafficCounters.outboundCount(Hook.APACHE_HTTPCLIENT, Call.BACKGROUND));
        TrafficCounters.setCounting(true);
        Traffic.outbound(Hook.APACHE_HTTPCLIENT);
        long now = TrafficCounters.outboundCount(Hook.APACHE_HTTPCLIENT, Call.BACKGROUND);
        assertEquals(before + 1, now);
        String text = Metrics.scrape();
        assertTrue(text.contains("graylane_outbound_calls_total{hook=\"apache-httpclient\",context=\"background\"} "
                + now + "\n"), text);
    }
}
