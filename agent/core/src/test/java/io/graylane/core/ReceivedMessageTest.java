package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import io.graylane.core.metrics.TrafficCounters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** What a consumer hook does with a received message: resolve its context, make it current between records. */
class ReceivedMessageTest {

    private static final String LABEL = "x-asm-traffic-tag";

    @BeforeEach
    void start() {
        Log.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        Map<String, String> env = new HashMap<>();
        env.put("ASM_TRAFFIC_TAG", "consumer-lane");
        Config config = ConfigLoader.load(null, Collections.<String, String>emptyMap(), env);
        Traffic.start(config);
    }

    @AfterEach
    void tearDown() {
        Traffic.endRecords();
        Traffic.stop();
        for (Hook hook : Hook.values()) hook.reset();
        Log.setOut(System.err);
    }

    private static TrafficContext resolve(String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) h.put(headers[i], headers[i + 1]);
        ReceivedMessage m = Traffic.message(Hook.KAFKA);
        for (int i = 0; i < m.size(); i++) m.set(i, h.get(m.name(i)));
        return m.resolve();
    }

    @Test
    void aMessageResolvesLikeAnInboundRequest() {
        TrafficContext labelled = resolve(LABEL, "dev-x", "x-request-id", "r-1", "x-graylane-mirror", "1");
        assertEquals("dev-x", labelled.label());
        assertEquals("r-1", labelled.get("x-request-id"));
        assertEquals("1", labelled.get("x-graylane-mirror"));
        assertEquals("consumer-lane", resolve().label(), "an unlabelled message gets the local label");
        assertEquals("consumer-lane", resolve(LABEL, "bad\r\nlane").label(), "a rejected label is absent");
        assertNull(Traffic.current(), "resolving makes nothing current");
    }

    @Test
    void aCountingHookCountsEachMessageAsInboundAndItsRejectedValues() {
        long header = TrafficCounters.inboundCount(Hook.ROCKETMQ, TrafficCounters.Source.HEADER);
        long local = TrafficCounters.inboundCount(Hook.ROCKETMQ, TrafficCounters.Source.LOCAL);
        long rejected = TrafficCounters.rejectedCount(Hook.ROCKETMQ);
        ReceivedMessage m = Traffic.message(Hook.ROCKETMQ);
        for (int i = 0; i < m.size(); i++) m.set(i, LABEL.equals(m.name(i)) ? "dev-x" : null);
        assertEquals("dev-x", m.resolve(Hook.ROCKETMQ).label());
        for (int i = 0; i < m.size(); i++) m.set(i, LABEL.equals(m.name(i)) ? "bad/lane" : null);
        assertEquals("consumer-lane", m.resolve(Hook.ROCKETMQ).label());
        assertEquals(header + 1, TrafficCounters.inboundCount(Hook.ROCKETMQ, TrafficCounters.Source.HEADER));
        assertEquals(local + 1, TrafficCounters.inboundCount(Hook.ROCKETMQ, TrafficCounters.Source.LOCAL));
        assertEquals(rejected + 1, TrafficCounters.rejectedCount(Hook.ROCKETMQ));
        assertEquals("consumer-lane", resolve(LABEL, "bad/lane").label());
        assertEquals(rejected + 1, TrafficCounters.rejectedCount(Hook.ROCKETMQ), "resolve() counts nothing");
    }

    @Test
    void recordsReplaceEachOtherAndTheThreadGetsBackWhatItHad() {
        TrafficContext outer = resolve(LABEL, "outer");
        TrafficContext previous = Traffic.replay(outer);
        TrafficContext a = resolve(LABEL, "a");
        TrafficContext b = resolve(LABEL, "b");
        Traffic.beginRecord(a);
        assertSame(a, Traffic.current());
        assertSame(a, Traffic.outbound(Hook.OKHTTP));
        Traffic.beginRecord(b);
        assertSame(b, Traffic.current());
        Traffic.endRecords();
        assertSame(outer, Traffic.current());
        Traffic.endRecords();
        assertSame(outer, Traffic.current(), "a second end changes nothing");
        Traffic.restore(previous);
        Traffic.beginRecord(a);
        Traffic.endRecords();
        assertNull(Traffic.current(), "a thread with no context gets none back");
    }

    @Test
    void aRequestThatEndsOnTheThreadEndsItsRecordsToo() {
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        Scope scope = in.open();
        TrafficContext request = Traffic.current();
        Traffic.beginRecord(resolve(LABEL, "a"));
        scope.close();
        assertNull(Traffic.current());
        Traffic.endRecords();
        assertNull(Traffic.current(), "the request's context is not put back after it ended");
        assertEquals("consumer-lane", request.label());
    }

    @Test
    void aListenerCallKeepsItsRecordsContextWhateverRecordsItReaches() {
        TrafficContext a = resolve(LABEL, "a");
        TrafficContext b = resolve(LABEL, "b");
        Traffic.beginRecord(a);
        Object token = Traffic.enterListener(a);
        Traffic.beginRecord(b); // an error handler collecting the rest of the batch
        Traffic.endRecords();
        assertSame(a, Traffic.current());
        Traffic.exitListener(token);
        assertSame(a, Traffic.current());
        Traffic.endRecords();
        assertNull(Traffic.current());
        Traffic.exitListener(Traffic.enterListener(null));
        assertNull(Traffic.current());
    }
}
