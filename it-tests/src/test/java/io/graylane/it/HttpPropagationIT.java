package io.graylane.it;

import static io.graylane.it.Echo.assertField;
import static io.graylane.it.Echo.assertHeaderAbsent;
import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.CLIENTS;
import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end over loopback: the front (Jetty 12, jakarta servlet) runs with the agent and calls a backend that runs
 * WITHOUT it, so whatever the backend receives beyond what the front's code sets was put there by the front's agent.
 * {@link WithoutTheAgent} shows that the same front without the agent forwards none of it.
 */
@ExtendWith(JvmLogTail.class)
class HttpPropagationIT {

    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(10);

    /** No agent: the observer at the end of every chain. */
    private static AgentJvm backend;
    /** The agent, ASM_TRAFFIC_TAG=front-lane, calling {@link #backend}. */
    private static AgentJvm front;

    @BeforeAll
    static void startServices() {
        AgentJvm.Builder backendBuilder = SampleApps.backend("backend", null).withAgent(false);
        AgentJvm.Builder frontBuilder = frontWithAgent("front", backendBuilder.baseUrl());
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, frontBuilder);
        backend = started.get(0);
        front = started.get(1);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(front, backend);
    }

    static Stream<String> clients() {
        return CLIENTS.stream();
    }

    // (a)
    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void inboundLabelAndTraceHeadersReachTheBackendOnceAndUnchanged(String client) {
        String requestId = uniqueId();
        String traceId = hex(32);
        String spanId = hex(16);
        String traceparent = "00-" + traceId + "-" + spanId + "-01";
        String b3 = traceId + "-" + spanId + "-1";

        Http.Response response = Http.get(front.url("/call/" + client),
                LABEL, "lane-a", REQUEST_ID, requestId, "traceparent", traceparent, "b3", b3);

        JsonNode received = backendReceived(response, client);
        assertHeaderOnce(received, LABEL, "lane-a", response);
        assertHeaderOnce(received, REQUEST_ID, requestId, response);
        assertHeaderOnce(received, "traceparent", traceparent, response);
        assertHeaderOnce(received, "b3", b3, response);
    }

    // (b)
    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void withoutAnInboundLabelTheLocalLabelIsSent(String client) {
        Http.Response response = Http.get(front.url("/call/" + client));

        assertHeaderOnce(backendReceived(response, client), LABEL, FRONT_LANE, response);
    }

    // (c)
    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void headersTheApplicationSetsItselfWin(String client) {
        String path = Http.withQuery("/call/" + client,
                "set-header", LABEL + ":app-set", "set-header", REQUEST_ID + ":app-id");

        Http.Response response = Http.get(front.url(path), LABEL, "lane-a", REQUEST_ID, "r-in-" + uniqueId());

        JsonNode received = backendReceived(response, client);
        assertHeaderOnce(received, LABEL, "app-set", response);
        assertHeaderOnce(received, REQUEST_ID, "app-id", response);
    }

    static Stream<Arguments> clientsAndInvalidLabels() {
        return InvalidLabels.forEachClient(CLIENTS, LABEL);
    }

    // (d)
    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("clientsAndInvalidLabels")
    void invalidLabelsAreNeverForwardedAndTheLocalLabelIsSentInstead(
            String client, String kind, String header, String value) {
        Http.Response response = Http.get(front.url("/call/" + client), header, value);

        JsonNode received = backendReceived(response, client);
        assertHeaderOnce(received, LABEL, FRONT_LANE, response);
        assertHeaderAbsent(received, "injected", response);
        // not in any header either: a rejected label is also taken out of the baggage that is forwarded
        received.path("headers").properties().forEach(field -> field.getValue().forEach(v ->
                assertFalse(v.asText().contains(value), "the rejected value reached the backend in header "
                        + field.getKey() + ": " + response.body())));
    }

    // (d) the valid counterpart: baggage is a label source
    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void aLabelInBaggageAloneIsForwarded(String client) {
        Http.Response response = Http.get(front.url("/call/" + client), "baggage", LABEL + "=lane-b");

        assertHeaderOnce(backendReceived(response, client), LABEL, "lane-b", response);
    }

    // (e)
    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void backgroundCallsWithoutRequestContextCarryTheLocalLabel(String client) {
        Http.Response response = Http.get(front.url(Http.withQuery("/background", "client", client)));

        JsonNode received = backgroundBackendReceived(response, client);
        assertHeaderOnce(received, LABEL, FRONT_LANE, response);
        assertHeaderAbsent(received, REQUEST_ID, response);
    }

    // (f)
    @Test
    void aTraceIdTheApplicationSetsMapsBackToTheLabelItArrivedWith() {
        String requestId = uniqueId();
        Http.Response first = Http.get(front.url("/call/okhttp"), LABEL, "lane-m", REQUEST_ID, requestId);
        assertHeaderOnce(backendReceived(first, "okhttp"), LABEL, "lane-m", first);

        Http.Response background = Http.get(front.url(Http.withQuery("/background",
                "client", "okhttp", "set-header", REQUEST_ID + ":" + requestId)));

        JsonNode received = backgroundBackendReceived(background, "okhttp");
        assertHeaderOnce(received, REQUEST_ID, requestId, background);
        assertHeaderOnce(received, LABEL, "lane-m", background);
    }

    // (f)
    @Test
    void anUnknownTraceIdFallsBackToTheLocalLabel() {
        String unknown = "never-seen-" + uniqueId();
        Http.Response background = Http.get(front.url(Http.withQuery("/background",
                "client", "okhttp", "set-header", REQUEST_ID + ":" + unknown)));

        JsonNode received = backgroundBackendReceived(background, "okhttp");
        assertHeaderOnce(received, REQUEST_ID, unknown, background);
        assertHeaderOnce(received, LABEL, FRONT_LANE, background);
    }

    // (j)
    @Test
    void theAgentPrintsOneStartupLineNamingTheLocalLabel() {
        front.awaitLog("a line starting with [graylane] that contains " + FRONT_LANE,
                log -> startupLines(log).findAny().isPresent(), LOG_TIMEOUT);

        List<String> lines = startupLines(front.log()).toList();
        assertEquals(1, lines.size(), () -> "expected exactly one line starting with [graylane] containing "
                + FRONT_LANE + " in " + front + ", got " + lines);
    }

    private static Stream<String> startupLines(String log) {
        return log.lines().filter(line -> line.startsWith("[graylane]") && line.contains(FRONT_LANE));
    }

    /** (g) javax inbound: a middle backend (Tomcat 9, javax servlet) with the agent between the front and the end. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class JavaxInboundThroughAMiddleBackend {

        private AgentJvm middle;
        private AgentJvm frontViaMiddle;

        @BeforeAll
        void start() {
            AgentJvm.Builder middleBuilder = SampleApps.backend("middle", backend.baseUrl())
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", "middle-lane");
            List<AgentJvm> started = AgentJvm.startAll(middleBuilder,
                    frontWithAgent("front-via-middle", middleBuilder.baseUrl()));
            middle = started.get(0);
            frontViaMiddle = started.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(frontViaMiddle, middle);
        }

        @Test
        void theInboundLabelAndRequestIdReachTheLastHop() {
            String requestId = uniqueId();
            Http.Response response = Http.get(frontViaMiddle.url("/call/okhttp"),
                    LABEL, "lane-a", REQUEST_ID, requestId);

            JsonNode middleReceived = backendReceived(response, "okhttp");
            JsonNode lastReceived = Echo.downstream(middleReceived, response);
            assertHeaderOnce(middleReceived, LABEL, "lane-a", response);
            assertHeaderOnce(lastReceived, LABEL, "lane-a", response);
            assertHeaderOnce(lastReceived, REQUEST_ID, requestId, response);
        }

        @Test
        void withoutAnInboundLabelTheLastHopGetsTheLabelTheMiddleReceived() {
            Http.Response response = Http.get(frontViaMiddle.url("/call/okhttp"));

            JsonNode middleReceived = backendReceived(response, "okhttp");
            assertHeaderOnce(middleReceived, LABEL, FRONT_LANE, response);
            assertHeaderOnce(Echo.downstream(middleReceived, response), LABEL, FRONT_LANE, response);
        }
    }

    /** (h) -Dgraylane.instrumentation.okhttp.enabled=false turns off OkHttp, and only OkHttp. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OkHttpInstrumentationDisabled {

        private AgentJvm frontOkHttpOff;

        @BeforeAll
        void start() {
            frontOkHttpOff = frontWithAgent("front-okhttp-off", backend.baseUrl())
                    .systemProperty("graylane.instrumentation.okhttp.enabled", "false")
                    .start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(frontOkHttpOff);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.HttpPropagationIT#okHttpClients")
        void okHttpCallsCarryNoLabel(String client) {
            Http.Response response = Http.get(frontOkHttpOff.url("/call/" + client), LABEL, "lane-a");

            assertHeaderAbsent(backendReceived(response, client), LABEL, response);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.HttpPropagationIT#otherClients")
        void otherClientsStillCarryTheLabel(String client) {
            Http.Response response = Http.get(frontOkHttpOff.url("/call/" + client), LABEL, "lane-a");

            assertHeaderOnce(backendReceived(response, client), LABEL, "lane-a", response);
        }
    }

    static Stream<String> okHttpClients() {
        return Stream.of("okhttp", "okhttp-async");
    }

    static Stream<String> otherClients() {
        return Stream.of("url-connection", "java-http", "apache5");
    }

    /** (i) bad configuration values are reported with key and value, and the rest keeps working. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class BadConfigurationValues {

        private AgentJvm frontBadConfig;

        @BeforeAll
        void start() {
            frontBadConfig = frontWithAgent("front-bad-config", backend.baseUrl())
                    .systemProperty("graylane.mirror.percentage", "banana")
                    .systemProperty("graylane.trace-map.ttl", "-1s")
                    .start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(frontBadConfig);
        }

        @Test
        void labelsArePropagatedAnyway() {
            Http.Response response = Http.get(frontBadConfig.url("/call/okhttp"), LABEL, "lane-a");

            assertHeaderOnce(backendReceived(response, "okhttp"), LABEL, "lane-a", response);
        }

        @Test
        void eachBadValueIsReportedWithItsKey() {
            frontBadConfig.awaitLog("a line naming graylane.mirror.percentage and banana",
                    log -> hasLineWith(log, "graylane.mirror.percentage", "banana"), LOG_TIMEOUT);
            frontBadConfig.awaitLog("a line naming graylane.trace-map.ttl and -1s",
                    log -> hasLineWith(log, "graylane.trace-map.ttl", "-1s"), LOG_TIMEOUT);
        }

        private boolean hasLineWith(String log, String key, String value) {
            return log.lines().anyMatch(line -> line.contains(key) && line.contains(value));
        }
    }

    /** (k) the same front without the agent forwards nothing: every assertion above needs the agent. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutTheAgent {

        private AgentJvm frontWithoutAgent;

        @BeforeAll
        void start() {
            frontWithoutAgent = SampleApps.front("front-no-agent", backend.baseUrl())
                    .withAgent(false)
                    .env("ASM_TRAFFIC_TAG", FRONT_LANE)
                    .start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(frontWithoutAgent);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.HttpPropagationIT#clients")
        void noLabelOrTraceHeaderReachesTheBackend(String client) {
            String traceparent = "00-" + hex(32) + "-" + hex(16) + "-01";
            Http.Response response = Http.get(frontWithoutAgent.url("/call/" + client),
                    LABEL, "lane-a", REQUEST_ID, uniqueId(), "traceparent", traceparent);

            JsonNode received = backendReceived(response, client);
            assertHeaderAbsent(received, LABEL, response);
            assertHeaderAbsent(received, REQUEST_ID, response);
            assertHeaderAbsent(received, "traceparent", response);
        }

        @Test
        void backgroundCallsCarryNoLabel() {
            Http.Response response = Http.get(frontWithoutAgent.url(Http.withQuery("/background", "client", "okhttp")));

            assertHeaderAbsent(backgroundBackendReceived(response, "okhttp"), LABEL, response);
        }

        @Test
        void nothingFromGraylaneIsInTheLog() {
            List<String> lines = frontWithoutAgent.log().lines().filter(line -> line.startsWith("[graylane]")).toList();
            assertTrue(lines.isEmpty(), () -> "expected no [graylane] line from a JVM without the agent, got " + lines);
        }
    }

    private static AgentJvm.Builder frontWithAgent(String name, String backendUrl) {
        return SampleApps.front(name, backendUrl).withAgent(true).env("ASM_TRAFFIC_TAG", FRONT_LANE);
    }

    /** The front answered 200 for {@code client} on /call; returns what the backend received. */
    private static JsonNode backendReceived(Http.Response response, String client) {
        JsonNode answer = Echo.ok(response);
        assertField(answer, "client", client, response);
        return Echo.downstream(answer, response);
    }

    /** The front's background thread made the call with {@code client}; returns what the backend received. */
    private static JsonNode backgroundBackendReceived(Http.Response response, String client) {
        JsonNode answer = Echo.ok(response);
        assertField(answer, "client", client, response);
        assertField(answer, "thread", "background-caller", response);
        return Echo.downstream(answer, response);
    }

    private static String uniqueId() {
        return UUID.randomUUID().toString();
    }

    private static String hex(int digits) {
        StringBuilder hex = new StringBuilder(digits);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (hex.length() < digits) {
            hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        return hex.toString();
    }
}
