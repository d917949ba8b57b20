package io.graylane.it;

import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RocketMQ (instrumentation {@code rocketmq}): a servlet front publishes per request with a plain DefaultMQProducer
 * (sample-apps/rocketmq), synchronously, asynchronously (the callback must run in the request's context), oneway or as
 * a batch; push consumers call the backend for every message with a client call that sets no header. A real name
 * server and broker (5.x, their own JVMs without the agent) run on loopback for the class. Each listener kind gets
 * {@value #DEFAULT_RECORDS} messages (-Dgraylane.it.rocketmq.records=N) of five kinds, mixed, as in the Kafka test:
 * labelled {@code dev-a}, labelled {@code dev-b}, unlabelled, with a label graylane rejects, and shadow copies
 * ({@code x-graylane-mirror: 1}, labelled {@code dev-s}); every request has its own {@code x-request-id}, and the
 * three send modes take turns. The backend must see, per message, the request's label (the front's lane for
 * unlabelled and rejected ones), its request id and its shadow marker, with 0 mismatches. Also: the batch rule of a
 * listener that gets several messages per call, the oldest client (4.9), a real shadow copy, the shadow write guard,
 * and a consumer without the agent or with the hook off.
 */
@ExtendWith(JvmLogTail.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RocketMqPropagationIT {

    static final int DEFAULT_RECORDS = 2000;
    private static final int RECORDS = Integer.getInteger("graylane.it.rocketmq.records", DEFAULT_RECORDS);
    private static final String CONSUMER_LANE = "consumer-lane";
    private static final String FRONT_MAIN = "io.graylane.samples.rocketmq.RocketMqFrontApp";
    private static final String CONSUMER_MAIN = "io.graylane.samples.rocketmq.PushConsumerApp";
    private static final Duration CONSUME_DEADLINE = Duration.ofMinutes(3);
    private static final int PUBLISHERS = 4;
    private static final List<String> MODES = List.of("sync", "async", "oneway");
    private static final String OWN_LANE = "label=" + CONSUMER_LANE + " request-id=- shadow=0";

    private RocketMqBroker broker;
    private AgentJvm backend;
    private AgentJvm front;
    private AgentJvm concurrently;
    private AgentJvm orderly;

    @BeforeAll
    void start() {
        broker = RocketMqBroker.start("conc", "ord", "backlog", "old", "mirrored", "guarded", "bare", "hook-off");
        AgentJvm.Builder backendBuilder = SampleApps.backend("rocketmq-backend", null);
        List<AgentJvm> jvms = AgentJvm.startAll(backendBuilder,
                front("rocketmq-front", false, backendBuilder.baseUrl()),
                consumer("rocketmq-concurrently", false, "conc", "concurrently", 1, backendBuilder.baseUrl()),
                consumer("rocketmq-orderly", false, "ord", "orderly", 1, backendBuilder.baseUrl()));
        backend = jvms.get(0);
        front = jvms.get(1);
        concurrently = jvms.get(2);
        orderly = jvms.get(3);
    }

    @AfterAll
    void stop() {
        AgentJvm.closeAll(front, concurrently, orderly, backend);
        if (broker != null) {
            broker.close();
        }
    }

    private AgentJvm.Builder front(String name, boolean oldest, String backendUrl) {
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, Artifacts.rocketMqClassPath(oldest), FRONT_MAIN)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        clientLogs(builder);
        return builder.args(Integer.toString(builder.port()), broker.namesrv(), backendUrl)
                .startupTimeout(Duration.ofMinutes(1));
    }

    /** The client's own log files (5.x: rocketmq.log.root, 4.9: rocketmq.client.logRoot) under target/, not ~/logs. */
    private static AgentJvm.Builder clientLogs(AgentJvm.Builder builder) {
        String root = Artifacts.logDir().resolve("rocketmq-client-logs").toString();
        return builder.systemProperty("rocketmq.log.root", root).systemProperty("rocketmq.client.logRoot", root);
    }

    private AgentJvm.Builder consumer(String name, boolean oldest, String topic, String listener, int batch,
                                      String backendUrl) {
        return clientLogs(AgentJvm.classpathBuilder(name, Artifacts.rocketMqClassPath(oldest), CONSUMER_MAIN))
                .env("ASM_TRAFFIC_TAG", CONSUMER_LANE)
                .args(broker.namesrv(), topic, topic + "-group", backendUrl, listener, Integer.toString(batch))
                .readyWhenLogShows("[rocketmq] ready")
                .startupTimeout(Duration.ofMinutes(1));
    }

    @Test
    void aConcurrentlyListenerRunsEachMessageInItsRequestsContext() {
        assertEveryRecord(concurrently, publish(front, "conc", RECORDS));
        assertAfterEachCallTheConsumerHasItsOwnLane(concurrently);
    }

    @Test
    void anOrderlyListenerRunsEachMessageInItsRequestsContext() {
        assertEveryRecord(orderly, publish(front, "ord", RECORDS));
        assertAfterEachCallTheConsumerHasItsOwnLane(orderly);
        // one inbound count per listener call (here one message each), by where the label came from
        try (JmxAttributes traffic = JmxAttributes.of(orderly, "graylane:type=Traffic")) {
            // the front labelled every message (the unlabelled and rejected requests with its own lane)
            assertEquals(RECORDS, traffic.get("Inbound.rocketmq.header"), "messages whose label came from a property");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (JmxAttributes traffic = JmxAttributes.of(front, "graylane:type=Traffic")) {
            long sent = traffic.get("Outbound.rocketmq.request");
            assertTrue(sent >= RECORDS, "the front counted " + sent + " sends in a request");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A label property the application set itself wins over the request's; a malformed one is rejected by the consumer
     * as an inbound header would be (counted as rejected): the call gets the consumer's own lane, with the request id.
     */
    @Test
    void anApplicationsOwnLabelWinsAndAMalformedOneIsRejected() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) {
            String id = "own-" + i;
            String own = i % 2 == 0 ? "app-lane" : "bad/lane";
            Http.Response response = Http.get(front.url(Http.withQuery("/publish", "topic", "conc", "value", id, "mode",
                    MODES.get(i % 3), "label", own)), LABEL, "dev-a", REQUEST_ID, id);
            assertEquals("200 sent conc " + id, response.status() + " " + response.body());
            expected.put(id, "label=" + (i % 2 == 0 ? "app-lane" : CONSUMER_LANE) + " request-id=" + id + " shadow=0");
        }
        assertEveryRecord(concurrently, expected);
        try (JmxAttributes traffic = JmxAttributes.of(concurrently, "graylane:type=Traffic")) {
            assertEquals(10, traffic.get("Rejected.rocketmq"), "malformed labels rejected by the consumer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A request with an empty trace header ({@code tracestate:}): RocketMQ refuses blank property values, so that header
     * is left out and the message, and every one after it, carries the rest of the context.
     */
    @Test
    void anEmptyTraceHeaderIsLeftOutAndTheHookKeepsWorking() {
        Map<String, String> expected = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            String id = "blank-" + i;
            String mode = i % 4 == 3 ? "batch" : MODES.get(i % 4);
            Http.Response response = Http.get(front.url(Http.withQuery("/publish", "topic", "conc", "value", id, "mode",
                    mode)), LABEL, "dev-a", REQUEST_ID, id, "tracestate", "");
            assertEquals("200 sent conc " + id, response.status() + " " + response.body());
            for (String body : mode.equals("batch") ? List.of(id + ".0", id + ".1", id + ".2") : List.of(id)) {
                expected.put(body, "label=dev-a request-id=" + id + " shadow=0");
            }
        }
        assertEveryRecord(concurrently, expected);
        assertTrue(!front.log().contains("instrumentation 'rocketmq' failed"), front + " switched the hook off");
    }

    /** {@code send(Collection)}: each message of a batch carries the request's context. */
    @Test
    void everyMessageOfABatchSendCarriesTheContext() {
        assertEveryRecord(concurrently, publishBatches(front, "conc-batch", "conc", 30));
    }

    /**
     * A listener that gets up to 8 messages per call: it is started after 200 mixed messages were published, so its
     * first calls get several messages of different requests, which run under the consumer's own lane; afterwards
     * batch sends (three messages of one request, delivered together) run under that request's context.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class BatchRule {

        private AgentJvm batched;

        @AfterAll
        void stop() {
            AgentJvm.closeAll(batched);
        }

        @Test
        void aCallWithSeveralMessagesGetsTheirContextOnlyWhenTheyAgree() {
            Map<String, String> backlog = publish(front, "backlog", 200);
            batched = AgentJvm.startAll(consumer("rocketmq-batched", false, "backlog", "concurrently", 8,
                    backend.baseUrl())).get(0);
            awaitRecords(batched, backlog.keySet());
            Map<String, String> agreeing = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) { // one at a time, so that each batch send is a call of its own
                agreeing.putAll(publishBatches(front, "agree-" + i, "backlog", 1));
                awaitRecords(batched, agreeing.keySet());
            }
            Map<String, String> expected = new LinkedHashMap<>(backlog);
            expected.putAll(agreeing);
            Map<String, List<String>> records = awaitRecords(batched, expected.keySet());
            int disagreeing = 0;
            int agreeingCalls = 0;
            List<String> mismatches = new ArrayList<>();
            Map<String, String> expectedPerRecord = new LinkedHashMap<>(expected);
            Pattern batchLine = Pattern.compile("^\\[rocketmq\\] batch=(\\S+) (.*)$", Pattern.MULTILINE);
            Matcher m = batchLine.matcher(batched.log());
            while (m.find()) {
                List<String> bodies = Arrays.asList(m.group(1).split(","));
                boolean sameRequest = bodies.stream().map(RocketMqPropagationIT::requestOf).distinct().count() == 1;
                String want = sameRequest ? expected.get(bodies.get(0)) : OWN_LANE;
                if (sameRequest) {
                    agreeingCalls++;
                } else {
                    disagreeing++;
                }
                if (!m.group(2).equals(want)) {
                    mismatches.add("call with " + bodies + ": expected " + want + ", the backend saw " + m.group(2));
                }
                for (String body : bodies) {
                    expectedPerRecord.put(body, want);
                }
            }
            for (Map.Entry<String, String> e : expectedPerRecord.entrySet()) {
                List<String> lines = records.getOrDefault(e.getKey(), List.of());
                if (lines.isEmpty() || lines.stream().anyMatch(l -> !l.equals(e.getValue()))) {
                    mismatches.add(e.getKey() + ": expected " + e.getValue() + ", the backend saw " + lines);
                }
            }
            System.out.println("[rocketmq] batched: " + disagreeing + " calls with messages of several requests, "
                    + agreeingCalls + " with several messages of one request, " + mismatches.size() + " mismatches");
            assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())));
            assertTrue(disagreeing > 0, "no call got messages of several requests: the backlog did not batch");
            assertTrue(agreeingCalls > 0, "no call got the three messages of one batch send together");
        }
    }

    /** The front and a concurrently listener on rocketmq-client 4.9, the oldest version supported. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OldestClient {

        private AgentJvm oldFront;
        private AgentJvm oldConsumer;

        @BeforeAll
        void start() {
            List<AgentJvm> jvms = AgentJvm.startAll(front("rocketmq-front-4.9", true, backend.baseUrl()),
                    consumer("rocketmq-orderly-4.9", true, "old", "orderly", 1, backend.baseUrl()));
            oldFront = jvms.get(0);
            oldConsumer = jvms.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(oldFront, oldConsumer);
        }

        @Test
        void producerAndListenerOnRocketMqClient49() {
            String version = "V" + Artifacts.pinned("graylane.rocketmq.oldest.version").replace('.', '_');
            assertTrue(oldFront.log().contains("[rocketmq-front] client " + version), oldFront + " does not run " + version);
            assertTrue(oldConsumer.log().contains("[rocketmq] client " + version), oldConsumer + " does not run " + version);
            Map<String, String> expected = publish(oldFront, "old", RECORDS);
            expected.putAll(publishBatches(oldFront, "old-batch", "old", 20));
            assertEveryRecord(oldConsumer, expected);
            assertAfterEachCallTheConsumerHasItsOwnLane(oldConsumer);
        }
    }

    /**
     * A real shadow copy: front v1 mirrors every request to front v2 (graylane.mirror.*), both publish; the consumer
     * gets each message twice, v1's without the shadow marker and v2's (published while serving the copy) with it.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ShadowCopy {

        private AgentJvm v1;
        private AgentJvm v2;
        private AgentJvm mirrored;

        @BeforeAll
        void start() {
            AgentJvm.Builder candidate = front("rocketmq-front-v2", false, backend.baseUrl());
            List<AgentJvm> jvms = AgentJvm.startAll(candidate,
                    front("rocketmq-front-v1", false, backend.baseUrl())
                            .systemProperty("graylane.mirror.enabled", "true")
                            .systemProperty("graylane.mirror.target", candidate.baseUrl()),
                    consumer("rocketmq-mirrored", false, "mirrored", "concurrently", 1, backend.baseUrl()));
            v2 = jvms.get(0);
            v1 = jvms.get(1);
            mirrored = jvms.get(2);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(v1, v2, mirrored);
        }

        @Test
        void theCopysMessageCarriesTheMarkerToTheConsumer() {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 21; i++) {
                String id = "mirrored-" + i;
                ids.add(id);
                Http.Response response = Http.get(v1.url(Http.withQuery("/publish", "topic", "mirrored", "value", id,
                        "mode", MODES.get(i % 3))), LABEL, "dev-m", REQUEST_ID, id);
                assertEquals("200 sent mirrored " + id, response.status() + " " + response.body());
            }
            Map<String, List<String>> seen = new LinkedHashMap<>();
            mirrored.awaitLog("two messages per request", log -> {
                seen.clear();
                seen.putAll(records(log));
                return ids.stream().allMatch(id -> seen.getOrDefault(id, List.of()).size() >= 2);
            }, CONSUME_DEADLINE);
            for (String id : ids) {
                List<String> lines = new ArrayList<>(seen.get(id));
                Collections.sort(lines);
                assertEquals(List.of("label=dev-m request-id=" + id + " shadow=0", "label=dev-m request-id=" + id
                        + " shadow=1"), lines, "the backend calls for message " + id);
            }
        }
    }

    /**
     * The shadow write guard on the candidate ({@code graylane.shadow.guard=writes}): the copy's synchronous send
     * throws and its asynchronous send's callback gets {@code graylane: blocked}, its oneway send is dropped; none
     * reaches the broker, and the primary's message is consumed once, as usual.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ShadowCopyGuarded {

        private AgentJvm v1;
        private AgentJvm v2;
        private AgentJvm consumer;

        @BeforeAll
        void start() {
            AgentJvm.Builder candidate = front("rocketmq-front-guarded-v2", false, backend.baseUrl())
                    .systemProperty("graylane.shadow.guard", "writes");
            List<AgentJvm> jvms = AgentJvm.startAll(candidate,
                    front("rocketmq-front-guarded-v1", false, backend.baseUrl())
                            .systemProperty("graylane.mirror.enabled", "true")
                            .systemProperty("graylane.mirror.target", candidate.baseUrl()),
                    consumer("rocketmq-guarded", false, "guarded", "concurrently", 1, backend.baseUrl()));
            v2 = jvms.get(0);
            v1 = jvms.get(1);
            consumer = jvms.get(2);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(v1, v2, consumer);
        }

        @Test
        void theCopysSendsAreBlockedAndOnlyThePrimarysMessagesAreConsumed() {
            List<String> ids = new ArrayList<>();
            List<String> failing = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = "guarded-" + i;
                String mode = i % 4 == 3 ? "batch" : MODES.get(i % 4);
                ids.addAll(mode.equals("batch") ? List.of(id + ".0", id + ".1", id + ".2") : List.of(id));
                if (!mode.equals("oneway")) {
                    failing.add(id);
                }
                Http.Response response = Http.get(v1.url(Http.withQuery("/publish", "topic", "guarded", "value", id,
                        "mode", mode)), LABEL, "dev-g", REQUEST_ID, id);
                assertEquals("200 sent guarded " + id, response.status() + " " + response.body());
            }
            v2.awaitLog("every copy's sync, async and batch send blocked", log -> failing.stream().allMatch(id ->
                    log.contains("[rocketmq-front] send of " + id + " failed: "
                            + "org.apache.rocketmq.client.exception.MQClientException: graylane: blocked rocketmq send"
                            + " to topic guarded")), CONSUME_DEADLINE);
            Map<String, List<String>> seen = new LinkedHashMap<>();
            consumer.awaitLog("one message per request", log -> {
                seen.clear();
                seen.putAll(records(log));
                return ids.stream().allMatch(seen::containsKey);
            }, CONSUME_DEADLINE);
            for (String id : ids) {
                assertEquals(List.of("label=dev-g request-id=" + requestOf(id) + " shadow=0"), seen.get(id),
                        "the backend calls for message " + id);
            }
        }
    }

    /**
     * The same listener without the agent, and with the agent but {@code graylane.instrumentation.rocketmq.enabled=false}:
     * the messages carry the properties, but nothing makes them the consumer's context.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutTheAgent {

        private AgentJvm bare;
        private AgentJvm hookOff;

        @BeforeAll
        void start() {
            List<AgentJvm> jvms = AgentJvm.startAll(
                    consumer("rocketmq-no-agent", false, "bare", "concurrently", 1, backend.baseUrl()).withAgent(false),
                    consumer("rocketmq-hook-off", false, "hook-off", "concurrently", 1, backend.baseUrl())
                            .systemProperty("graylane.instrumentation.rocketmq.enabled", "false"));
            bare = jvms.get(0);
            hookOff = jvms.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(bare, hookOff);
        }

        @Test
        void theBackendSeesNoLabelAndNoRequestId() {
            Map<String, String> published = publish(front, "bare", 20);
            Map<String, List<String>> seen = awaitRecords(bare, published.keySet());
            for (String id : published.keySet()) {
                assertEquals(List.of("label=- request-id=- shadow=0"), seen.get(id), "message " + id);
            }
        }

        @Test
        void withTheHookSwitchedOffTheConsumerCallsWithItsOwnLane() {
            Map<String, String> published = publish(front, "hook-off", 20);
            Map<String, List<String>> seen = awaitRecords(hookOff, published.keySet());
            for (String id : published.keySet()) {
                assertEquals(List.of(OWN_LANE), seen.get(id), "message " + id);
            }
        }
    }

    /** {@code prefix-N.I} (a message of a batch send) -> {@code prefix-N}, the request id. */
    private static String requestOf(String body) {
        return body.replaceFirst("\\.[0-9]+$", "");
    }

    /**
     * Publishes {@code n} messages to {@code topic} through {@code front}, {@link #PUBLISHERS} requests at a time, the
     * send modes taking turns; returns, per message (its body, which is also its request id), what the backend should
     * see from the consumer: {@code label=L request-id=ID shadow=0|1}. Some asynchronous sends also check that the
     * callback ran in the request's context.
     */
    private static Map<String, String> publish(AgentJvm front, String topic, int n) {
        return publish(front, topic, topic, n, null);
    }

    /** {@code n} batch sends of three messages each ({@code prefix-N.0} to {@code .2}). */
    private static Map<String, String> publishBatches(AgentJvm front, String prefix, String topic, int n) {
        return publish(front, prefix, topic, n, "batch");
    }

    private static Map<String, String> publish(AgentJvm front, String prefix, String topic, int n, String onlyMode) {
        Map<String, String> expected = new LinkedHashMap<>();
        List<Future<String>> sent = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(PUBLISHERS);
        try {
            for (int i = 0; i < n; i++) {
                String id = prefix + "-" + i;
                List<String> headers = new ArrayList<>(List.of(REQUEST_ID, id));
                String label;
                boolean shadow = false;
                switch (i % 5) {
                    case 0 -> label = "dev-a";
                    case 1 -> label = "dev-b";
                    case 2 -> label = null;
                    case 3 -> label = "bad/lane";
                    default -> {
                        label = "dev-s";
                        shadow = true;
                        headers.addAll(List.of("x-graylane-mirror", "1"));
                    }
                }
                if (label != null) {
                    headers.addAll(List.of(LABEL, label));
                }
                String expectedLabel = label == null || label.equals("bad/lane") ? FRONT_LANE : label;
                String seen = "label=" + expectedLabel + " request-id=" + id + " shadow=" + (shadow ? 1 : 0);
                String mode = onlyMode != null ? onlyMode : MODES.get((i / 5) % MODES.size());
                if (mode.equals("batch")) {
                    for (int j = 0; j < 3; j++) {
                        expected.put(id + "." + j, seen);
                    }
                } else {
                    expected.put(id, seen);
                }
                boolean callback = mode.equals("async") && i % 10 == 7;
                String url = front.url(Http.withQuery("/publish", "topic", topic, "value", id, "mode", mode,
                        "callback", callback ? "1" : "0"));
                String answer = "sent " + topic + " " + id + (callback ? " callback " + seen : "");
                sent.add(pool.submit(() -> {
                    Http.Response response = Http.get(url, headers.toArray(new String[0]));
                    return response.status() + " " + response.body() + (response.body().equals(answer) ? "" : " (expected "
                            + answer + ")");
                }));
            }
            List<String> failures = new ArrayList<>();
            for (Future<String> f : sent) {
                String outcome = f.get();
                if (!outcome.startsWith("200 ") || outcome.endsWith(")")) {
                    failures.add(outcome);
                }
            }
            assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())),
                    failures.size() + " of " + n + " publish requests failed or their callback saw the wrong context");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return expected;
    }

    private static Map<String, List<String>> records(String log) {
        Pattern line = Pattern.compile("^\\[rocketmq\\] record=(\\S+) (.*)$", Pattern.MULTILINE);
        Map<String, List<String>> seen = new LinkedHashMap<>();
        Matcher m = line.matcher(log);
        while (m.find()) {
            seen.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
        }
        return seen;
    }

    /** Once the consumer printed a line for every message in {@code ids}: what it printed per message body. */
    private static Map<String, List<String>> awaitRecords(AgentJvm consumer, Collection<String> ids) {
        Map<String, List<String>> seen = new LinkedHashMap<>();
        consumer.awaitLog(ids.size() + " messages", log -> {
            seen.clear();
            seen.putAll(records(log));
            return seen.keySet().containsAll(ids);
        }, CONSUME_DEADLINE);
        return seen;
    }

    private static void assertEveryRecord(AgentJvm consumer, Map<String, String> expected) {
        Map<String, List<String>> seen = awaitRecords(consumer, expected.keySet());
        List<String> mismatches = new ArrayList<>();
        int redelivered = 0;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            List<String> lines = seen.getOrDefault(e.getKey(), List.of());
            redelivered += Math.max(0, lines.size() - 1);
            if (lines.isEmpty() || lines.stream().anyMatch(l -> !l.equals(e.getValue()))) {
                mismatches.add(e.getKey() + ": expected " + e.getValue() + ", the backend saw " + lines);
            }
        }
        System.out.println("[rocketmq] " + consumer.name() + ": " + expected.size() + " messages consumed, "
                + mismatches.size() + " mismatches, " + redelivered + " redelivered");
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                mismatches.size() + " of " + expected.size() + " messages reached the backend with the wrong context");
    }

    /**
     * The consumer's ConsumeMessageHook calls the backend after each listener call, on the listener's thread: nothing of
     * the call's messages is left there, so it carries the consumer's own lane and no request id.
     */
    private static void assertAfterEachCallTheConsumerHasItsOwnLane(AgentJvm consumer) {
        List<String> after = consumer.logLines().stream().filter(l -> l.startsWith("[rocketmq] after ")).toList();
        assertTrue(!after.isEmpty(), "no call after a listener call in " + consumer);
        String own = "[rocketmq] after " + OWN_LANE;
        List<String> wrong = after.stream().filter(l -> !l.equals(own)).toList();
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())),
                wrong.size() + " of " + after.size() + " calls after a listener call carried a message's context");
    }
}
