package io.graylane.it;

import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Kafka (instrumentation {@code kafka}): a servlet front publishes one record per request with a plain KafkaProducer
 * (sample-apps/kafka); consumers call the backend for every record with a client call that sets no header. A real
 * broker (KRaft, single node, its own JVM without the agent) runs on loopback for the class. Each consumer kind gets
 * {@value #DEFAULT_RECORDS} records (-Dgraylane.it.kafka.records=N) of five kinds, mixed: labelled {@code dev-a},
 * labelled {@code dev-b}, unlabelled, with a label graylane rejects, and shadow copies ({@code x-graylane-mirror: 1},
 * labelled {@code dev-s}); every request has its own {@code x-request-id}. The backend must see, per record, the
 * request's label (the front's lane for unlabelled and rejected ones), its request id and its shadow marker, with 0
 * mismatches. Consumers: a plain {@code poll} loop (which also calls the backend after each batch, outside any
 * record: that call must carry the consumer's own lane and no request id) and a spring-kafka {@code @KafkaListener}
 * whose error handler retries failing records and then recovers them (spring-kafka 4.0 on Spring Boot 4.0,
 * kafka-clients 4.1); the same listener and plain loop on spring-kafka 3.3 and kafka-clients 3.9 (Spring Boot 3.5);
 * the front and the plain loop on kafka-clients 2.8 (the oldest supported) and on the newest; a real shadow copy
 * (a front mirroring to another, both publishing); and a plain loop without the agent, or with the hook switched off,
 * which sees nothing of the records' contexts. The consumers also log each record and each call between batches
 * through Logback with {@link #MDC_PATTERN}: every such line must show, from the MDC, the record's label and request
 * id, and between records (after a batch of the plain loop; the listener container's idle event on its consumer
 * thread) the consumer's own lane and no request id.
 */
@ExtendWith(JvmLogTail.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaPropagationIT {

    static final int DEFAULT_RECORDS = 2000;
    private static final int RECORDS = Integer.getInteger("graylane.it.kafka.records", DEFAULT_RECORDS);
    private static final String CONSUMER_LANE = "consumer-lane";
    private static final String LISTENER_LANE = "listener-lane";
    private static final String PLAIN_MAIN = "io.graylane.samples.kafka.PlainConsumerApp";
    private static final String FRONT_MAIN = "io.graylane.samples.kafka.KafkaFrontApp";
    private static final String LISTENER_MAIN = "io.graylane.samples.kafka.listener.ListenerApp";
    private static final Duration CONSUME_DEADLINE = Duration.ofMinutes(2);
    /** Publishing clients at once: records of different labels interleave in every batch the consumers get. */
    private static final int PUBLISHERS = 4;
    /** The consumers' console pattern: {@code [mdc] MESSAGE label=.. request-id=..} with graylane's MDC entries. */
    static final String MDC_PATTERN = "[mdc] %m label=%X{graylane.label:--} request-id=%X{graylane.request-id:--}%n";

    private KafkaBroker broker;
    private AgentJvm backend;
    private AgentJvm front;
    private AgentJvm plain;
    private AgentJvm listener;

    @BeforeAll
    void start() {
        broker = KafkaBroker.start();
        AgentJvm.Builder backendBuilder = SampleApps.backend("kafka-backend", null);
        List<AgentJvm> jvms = AgentJvm.startAll(backendBuilder,
                front("kafka-front", null, backendBuilder.baseUrl()),
                plainConsumer("kafka-plain", null, "plain", backendBuilder.baseUrl()),
                listenerConsumer("kafka-listener", Artifacts.kafkaClassPath(), "listen", backendBuilder.baseUrl()));
        backend = jvms.get(0);
        front = jvms.get(1);
        plain = jvms.get(2);
        listener = jvms.get(3);
    }

    @AfterAll
    void stop() {
        AgentJvm.closeAll(front, plain, listener, backend);
        if (broker != null) {
            broker.close();
        }
    }

    /** The kafka sample's class path, or with the kafka-clients of {@code line} ({@code "28"}, {@code "-newest"}). */
    private static List<Path> classPath(String line) {
        return line == null ? Artifacts.kafkaClassPath() : Artifacts.kafkaClassPath(line);
    }

    private AgentJvm.Builder front(String name, String line, String backendUrl) {
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, classPath(line), FRONT_MAIN)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        return builder.args(Integer.toString(builder.port()), broker.bootstrap(), backendUrl);
    }

    private AgentJvm.Builder plainConsumer(String name, String line, String topic, String backendUrl) {
        return plainConsumerOn(classPath(line), name, topic, backendUrl);
    }

    private AgentJvm.Builder plainConsumerOn(List<Path> classPath, String name, String topic, String backendUrl) {
        return AgentJvm.classpathBuilder(name, classPath, PLAIN_MAIN)
                .env("ASM_TRAFFIC_TAG", CONSUMER_LANE)
                .systemProperty("logback.configurationFile", "sample-logback.xml")
                .systemProperty("logging.pattern.console", MDC_PATTERN)
                .args(broker.bootstrap(), topic, topic + "-group", backendUrl)
                .readyWhenLogShows("[plain] ready");
    }

    private AgentJvm.Builder listenerConsumer(String name, List<Path> classPath, String topic,
                                              String backendUrl) {
        return AgentJvm.classpathBuilder(name, classPath, LISTENER_MAIN)
                .env("ASM_TRAFFIC_TAG", LISTENER_LANE)
                .systemProperty("logging.pattern.console", MDC_PATTERN)
                .args("--spring.kafka.bootstrap-servers=" + broker.bootstrap(), "--sample.topic=" + topic,
                        "--sample.backend=" + backendUrl, "--spring.kafka.listener.idle-event-interval=1s",
                        "--spring.kafka.consumer.auto-offset-reset=earliest", "--spring.main.banner-mode=off")
                .readyWhenLogShows("[listener] ready")
                .startupTimeout(Duration.ofMinutes(3));
    }

    @Test
    void aPlainPollLoopRunsEachRecordInItsRequestsContext() {
        Map<String, String> expected = publish(front, "plain", RECORDS);
        assertEveryRecord(plain, "[plain]", expected);
        assertBetweenRecordsTheConsumerHasItsOwnLane(plain);
    }

    @Test
    void aKafkaListenerRunsEachRecordInItsRequestsContext() {
        Map<String, String> expected = publish(front, "listen", RECORDS);
        assertEveryRecord(listener, "[listener]", expected);
        assertTheIdleConsumerThreadHasTheListenersOwnLane(listener);
    }

    /**
     * Records the listener fails on: it is called twice for each (one retry), and then the error handler's recoverer;
     * all three run in the record's context (without the spring-kafka hook, the recoverer would run after the error
     * handler read the rest of the batch, with the consumer's own lane).
     */
    @Test
    void theListenersErrorHandlerRunsInTheRecordsContext() {
        assertErrorHandlerRunsInTheRecordsContext(listener, "listen");
    }

    /**
     * The listener sends records on with spring-kafka's KafkaTemplate (nothing set by hand): a second queue hop, whose
     * listener sees the original request's context.
     */
    @Test
    void aRecordSentOnFromAListenerKeepsItsContext() {
        assertKafkaTemplateKeepsTheContext(listener, "listen");
    }

    private void assertKafkaTemplateKeepsTheContext(AgentJvm listener, String topic) {
        Map<String, String> expected = publish(front, topic + "-fwd", topic, 200);
        assertEveryRecord(listener, "[listener]", expected);
        assertEveryRecord(listener, "[listener] forwarded", expected);
    }

    private void assertErrorHandlerRunsInTheRecordsContext(AgentJvm listener, String topic) {
        Map<String, String> expected = publish(front, topic + "-fail", topic, 50);
        assertEveryRecord(listener, "[listener]", expected);
        assertEveryRecord(listener, "[listener] recovered", expected);
        Map<String, List<String>> attempts = awaitRecords(listener, "[listener]", expected.keySet());
        for (String id : expected.keySet()) {
            assertEquals(2, attempts.get(id).size(), "deliveries of " + id + " (one retry)");
        }
    }

    /** The front and the plain loop on kafka-clients 2.8, the oldest version supported. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OldestClient {

        private final OtherClient client = new OtherClient("28", "graylane.kafka.oldest.version");

        @BeforeAll
        void start() {
            client.start();
        }

        @AfterAll
        void stop() {
            client.stop();
        }

        @Test
        void producerAndPollLoopOnKafkaClients28() {
            client.check();
        }
    }

    /** The front and the plain loop on the newest kafka-clients (newer than the one Spring Boot pins). */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class NewestClient {

        private final OtherClient client = new OtherClient("-newest", "graylane.kafka.newest.version");

        @BeforeAll
        void start() {
            client.start();
        }

        @AfterAll
        void stop() {
            client.stop();
        }

        @Test
        void producerAndPollLoopOnTheNewestKafkaClients() {
            client.check();
        }
    }

    /** A front and a plain loop on another kafka-clients, publishing and consuming a topic of their own. */
    private final class OtherClient {

        private final String line;
        private final String version;
        private AgentJvm otherFront;
        private AgentJvm otherPlain;

        OtherClient(String line, String versionProperty) {
            this.line = line;
            this.version = Artifacts.pinned(versionProperty);
        }

        void start() {
            List<AgentJvm> jvms = AgentJvm.startAll(front("kafka-front-" + version, line, backend.baseUrl()),
                    plainConsumer("kafka-plain-" + version, line, "plain" + line, backend.baseUrl()));
            otherFront = jvms.get(0);
            otherPlain = jvms.get(1);
        }

        void stop() {
            AgentJvm.closeAll(otherFront, otherPlain);
        }

        void check() {
            String logged = "Kafka version: " + version;
            assertTrue(otherFront.log().contains(logged), otherFront + " does not log '" + logged + "'");
            assertTrue(otherPlain.log().contains(logged), otherPlain + " does not log '" + logged + "'");
            Map<String, String> expected = publish(otherFront, "plain" + line, RECORDS);
            assertEveryRecord(otherPlain, "[plain]", expected);
            assertBetweenRecordsTheConsumerHasItsOwnLane(otherPlain);
        }
    }

    /**
     * The listener and the plain loop on the Spring Boot 3 line: spring-kafka 3.3 and kafka-clients 3.9 (the records
     * come from the front on the newest client).
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SpringKafka3 {

        private AgentJvm listener3;
        private AgentJvm plain3;

        @BeforeAll
        void start() {
            List<AgentJvm> jvms = AgentJvm.startAll(
                    listenerConsumer("kafka-listener-boot3", Artifacts.kafkaBoot3ClassPath(), "listen3", backend.baseUrl()),
                    plainConsumerOn(Artifacts.kafkaBoot3ClassPath(), "kafka-plain-3.9", "plain3", backend.baseUrl()));
            listener3 = jvms.get(0);
            plain3 = jvms.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(listener3, plain3);
        }

        @Test
        void aKafkaListenerAndItsErrorHandlerOnSpringKafka3() {
            assertTrue(listener3.log().contains("Kafka version: 3.9"), listener3 + " does not run kafka-clients 3.9");
            assertEveryRecord(listener3, "[listener]", publish(front, "listen3", RECORDS));
            assertTheIdleConsumerThreadHasTheListenersOwnLane(listener3);
            assertErrorHandlerRunsInTheRecordsContext(listener3, "listen3");
            assertKafkaTemplateKeepsTheContext(listener3, "listen3");
        }

        @Test
        void aPlainPollLoopOnKafkaClients39() {
            assertEveryRecord(plain3, "[plain]", publish(front, "plain3", RECORDS));
            assertBetweenRecordsTheConsumerHasItsOwnLane(plain3);
        }
    }

    /**
     * A real shadow copy: front v1 mirrors every request to front v2 (graylane.mirror.*), both publish; the consumer
     * gets each record twice, v1's without the shadow marker and v2's (published while serving the copy) with it.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ShadowCopy {

        private AgentJvm v1;
        private AgentJvm v2;
        private AgentJvm mirrored;

        @BeforeAll
        void start() {
            AgentJvm.Builder candidate = front("kafka-front-v2", null, backend.baseUrl());
            List<AgentJvm> jvms = AgentJvm.startAll(candidate,
                    front("kafka-front-v1", null, backend.baseUrl())
                            .systemProperty("graylane.mirror.enabled", "true")
                            .systemProperty("graylane.mirror.target", candidate.baseUrl()),
                    plainConsumer("kafka-plain-mirrored", null, "mirrored", backend.baseUrl()));
            v2 = jvms.get(0);
            v1 = jvms.get(1);
            mirrored = jvms.get(2);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(v1, v2, mirrored);
        }

        @Test
        void theCopysRecordCarriesTheMarkerToTheConsumer() {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = "mirrored-" + i;
                ids.add(id);
                Http.Response response = Http.get(v1.url(Http.withQuery("/publish", "topic", "mirrored", "value", id)),
                        LABEL, "dev-m", REQUEST_ID, id);
                assertEquals("200 sent mirrored " + id, response.status() + " " + response.body());
            }
            Pattern line = Pattern.compile("^\\[plain\\] record=(\\S+) (.*)$", Pattern.MULTILINE);
            Map<String, List<String>> seen = new LinkedHashMap<>();
            mirrored.awaitLog("two records per request", log -> {
                seen.clear();
                Matcher m = line.matcher(log);
                while (m.find()) {
                    seen.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
                }
                return ids.stream().allMatch(id -> seen.getOrDefault(id, List.of()).size() >= 2);
            }, CONSUME_DEADLINE);
            for (String id : ids) {
                List<String> lines = new ArrayList<>(seen.get(id));
                Collections.sort(lines);
                assertEquals(List.of("label=dev-m request-id=" + id + " shadow=0", "label=dev-m request-id=" + id
                        + " shadow=1"), lines, "the backend calls for record " + id);
            }
        }
    }

    /**
     * The shadow write guard on the candidate ({@code graylane.shadow.guard=writes}): the copy's send fails at once with
     * {@code graylane: blocked} and never reaches the broker; the primary's record is consumed once, as usual.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ShadowCopyGuarded {

        private AgentJvm v1;
        private AgentJvm v2;
        private AgentJvm consumer;

        @BeforeAll
        void start() {
            AgentJvm.Builder candidate = front("kafka-front-guarded-v2", null, backend.baseUrl())
                    .systemProperty("graylane.shadow.guard", "writes");
            List<AgentJvm> jvms = AgentJvm.startAll(candidate,
                    front("kafka-front-guarded-v1", null, backend.baseUrl())
                            .systemProperty("graylane.mirror.enabled", "true")
                            .systemProperty("graylane.mirror.target", candidate.baseUrl()),
                    plainConsumer("kafka-plain-guarded", null, "guarded", backend.baseUrl()));
            v2 = jvms.get(0);
            v1 = jvms.get(1);
            consumer = jvms.get(2);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(v1, v2, consumer);
        }

        @Test
        void theCopysSendIsBlockedAndOnlyThePrimarysRecordIsConsumed() {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String id = "guarded-" + i;
                ids.add(id);
                Http.Response response = Http.get(v1.url(Http.withQuery("/publish", "topic", "guarded", "value", id)),
                        LABEL, "dev-g", REQUEST_ID, id);
                assertEquals("200 sent guarded " + id, response.status() + " " + response.body());
            }
            v2.awaitLog("every copy's send blocked", log -> ids.stream().allMatch(id -> log.contains(
                    "[kafka-front] send of " + id + " failed: java.util.concurrent.ExecutionException: "
                            + "org.apache.kafka.common.KafkaException: graylane: blocked")), CONSUME_DEADLINE);
            Pattern line = Pattern.compile("^\\[plain\\] record=(\\S+) (.*)$", Pattern.MULTILINE);
            Map<String, List<String>> seen = new LinkedHashMap<>();
            consumer.awaitLog("one record per request", log -> {
                seen.clear();
                Matcher m = line.matcher(log);
                while (m.find()) {
                    seen.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
                }
                return ids.stream().allMatch(seen::containsKey);
            }, CONSUME_DEADLINE);
            for (String id : ids) {
                assertEquals(List.of("label=dev-g request-id=" + id + " shadow=0"), seen.get(id),
                        "the backend calls for record " + id);
            }
        }
    }

    /**
     * The same loop without the agent, and with the agent but {@code graylane.instrumentation.kafka.enabled=false}: the
     * records carry the headers, but nothing makes them the consumer's context.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutTheAgent {

        private AgentJvm bare;
        private AgentJvm hookOff;

        @BeforeAll
        void start() {
            List<AgentJvm> jvms = AgentJvm.startAll(
                    plainConsumer("kafka-plain-no-agent", null, "bare", backend.baseUrl()).withAgent(false),
                    plainConsumer("kafka-plain-hook-off", null, "hook-off", backend.baseUrl())
                            .systemProperty("graylane.instrumentation.kafka.enabled", "false"));
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
            Map<String, List<String>> seen = awaitRecords(bare, "[plain]", published.keySet());
            Map<String, List<String>> logged = awaitRecords(bare, "[mdc] [plain]", published.keySet());
            for (String id : published.keySet()) {
                assertEquals(List.of("label=- request-id=- shadow=0"), seen.get(id), "record " + id);
                assertEquals(List.of("label=- request-id=-"), logged.get(id), "the log line of record " + id);
            }
        }

        @Test
        void withTheHookSwitchedOffTheConsumerCallsWithItsOwnLane() {
            Map<String, String> published = publish(front, "hook-off", 20);
            Map<String, List<String>> seen = awaitRecords(hookOff, "[plain]", published.keySet());
            Map<String, List<String>> logged = awaitRecords(hookOff, "[mdc] [plain]", published.keySet());
            for (String id : published.keySet()) {
                assertEquals(List.of("label=" + CONSUMER_LANE + " request-id=- shadow=0"), seen.get(id), "record " + id);
                assertEquals(List.of("label=" + CONSUMER_LANE + " request-id=-"), logged.get(id),
                        "the log line of record " + id);
            }
        }
    }

    /**
     * Publishes {@code n} records through {@code front}, {@link #PUBLISHERS} requests at a time; returns, per record
     * (its value, which is also its request id), what the backend should see from the consumer:
     * {@code label=L request-id=ID shadow=0|1}. Every tenth request also checks that the send callback ran in the
     * request's context.
     */
    private static Map<String, String> publish(AgentJvm front, String topic, int n) {
        return publish(front, topic, topic, n);
    }

    /** The same, the record values (and request ids) named {@code prefix-N}. */
    private static Map<String, String> publish(AgentJvm front, String prefix, String topic, int n) {
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
                expected.put(id, seen);
                boolean callback = i % 10 == 7;
                String url = front.url(Http.withQuery("/publish", "topic", topic, "value", id, "callback",
                        callback ? "1" : "0"));
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

    /** Once the consumer printed a line for every record in {@code ids}: what it printed per record value. */
    private static Map<String, List<String>> awaitRecords(AgentJvm consumer, String prefix, Collection<String> ids) {
        Pattern line = Pattern.compile("^" + Pattern.quote(prefix) + " record=(\\S+) (.*)$", Pattern.MULTILINE);
        Map<String, List<String>> seen = new LinkedHashMap<>();
        consumer.awaitLog(ids.size() + " records", log -> {
            seen.clear();
            Matcher m = line.matcher(log);
            while (m.find()) {
                seen.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(m.group(2));
            }
            return seen.keySet().containsAll(ids);
        }, CONSUME_DEADLINE);
        return seen;
    }

    /**
     * Every record in {@code expected} reached the backend with its context (the consumer's {@code PREFIX record=..}
     * lines), and the consumer's log line of it ({@code [mdc] PREFIX record=..}) shows its label and request id.
     */
    private static void assertEveryRecord(AgentJvm consumer, String prefix, Map<String, String> expected) {
        assertEveryLine(consumer, prefix, expected, "reached the backend");
        Map<String, String> inTheMdc = new LinkedHashMap<>();
        expected.forEach((id, seen) -> inTheMdc.put(id, seen.substring(0, seen.lastIndexOf(" shadow="))));
        assertEveryLine(consumer, "[mdc] " + prefix, inTheMdc, "were logged");
    }

    private static void assertEveryLine(AgentJvm consumer, String prefix, Map<String, String> expected, String what) {
        Map<String, List<String>> seen = awaitRecords(consumer, prefix, expected.keySet());
        List<String> mismatches = new ArrayList<>();
        int redelivered = 0;
        for (Map.Entry<String, String> e : expected.entrySet()) {
            List<String> lines = seen.getOrDefault(e.getKey(), List.of());
            redelivered += Math.max(0, lines.size() - 1);
            if (lines.isEmpty() || lines.stream().anyMatch(l -> !l.equals(e.getValue()))) {
                mismatches.add(e.getKey() + ": expected " + e.getValue() + ", seen " + lines);
            }
        }
        System.out.println("[kafka] " + consumer.name() + " " + prefix + ": " + expected.size() + " records consumed, "
                + mismatches.size() + " mismatches, " + redelivered + " redelivered");
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())),
                mismatches.size() + " of " + expected.size() + " records " + what + " with the wrong context");
    }

    /** The calls the plain loop makes after each batch, outside any record, carry its own lane and no request id. */
    private static void assertBetweenRecordsTheConsumerHasItsOwnLane(AgentJvm consumer) {
        List<String> between = consumer.logLines().stream().filter(l -> l.startsWith("[plain] between ")).toList();
        assertTrue(!between.isEmpty(), "no call between batches in " + consumer);
        String own = "[plain] between label=" + CONSUMER_LANE + " request-id=- shadow=0";
        List<String> wrong = between.stream().filter(l -> !l.equals(own)).toList();
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())),
                wrong.size() + " of " + between.size() + " calls between batches carried a record's context");
        List<String> logged = consumer.logLines().stream().filter(l -> l.startsWith("[mdc] [plain] between ")).toList();
        assertTrue(!logged.isEmpty(), "no log line between batches in " + consumer);
        String ownLine = "[mdc] [plain] between label=" + CONSUMER_LANE + " request-id=-";
        List<String> wrongLines = logged.stream().filter(l -> !l.equals(ownLine)).toList();
        assertEquals(List.of(), wrongLines.subList(0, Math.min(10, wrongLines.size())),
                wrongLines.size() + " of " + logged.size() + " log lines between batches showed more or less than "
                        + "the consumer's own lane");
    }

    /**
     * Once the listener has been idle after its records, the consumer threads of both its containers (the sample's two
     * listeners, one consumer thread each) log the idle event with the listener's own lane and no request id: no
     * record's context is left on the threads that ran the records.
     */
    private static void assertTheIdleConsumerThreadHasTheListenersOwnLane(AgentJvm listener) {
        String idle = "[mdc] [listener] idle thread=";
        Pattern line = Pattern.compile("^" + Pattern.quote(idle) + "(\\S+) (.*)$", Pattern.MULTILINE);
        String log = listener.awaitLog("idle events on both consumer threads after the last record", text -> {
            int lastRecord = -1;
            for (String kind : List.of("", "forwarded ", "recovered ")) {
                lastRecord = Math.max(lastRecord, text.lastIndexOf("[mdc] [listener] " + kind + "record="));
            }
            Set<String> threads = new HashSet<>();
            for (Matcher m = line.matcher(text).region(Math.max(0, lastRecord), text.length()); m.find(); ) {
                threads.add(m.group(1));
            }
            return threads.size() >= 2;
        }, CONSUME_DEADLINE);
        List<String> wrong = new ArrayList<>();
        int lines = 0;
        for (Matcher m = line.matcher(log); m.find(); lines++) {
            boolean consumerThread = m.group(1).contains("-C-");
            if (!consumerThread || !m.group(2).equals("label=" + LISTENER_LANE + " request-id=-")) wrong.add(m.group());
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())),
                wrong.size() + " of " + lines + " idle log lines were not a consumer thread's with the listener's lane");
    }
}
