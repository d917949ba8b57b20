package io.graylane.it;

import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reactive HTTP (instrumentations {@code reactor-netty} and {@code reactor}): a Spring Boot 4 WebFlux service on
 * Reactor Netty, with the agent, calls the backend (no agent, it shows what arrived) with WebClient, Reactor Netty's
 * HttpClient and a blocking client, through every reactive pattern of the sample ({@code Calls.PATTERNS}); it is
 * called directly (annotated controller and functional route) and from the servlet front (agent). The same service
 * without the agent is the control. Then a concurrent load of mixed patterns, lanes and unlabelled requests, with
 * background calls mixed in: every call must carry exactly its own request's label and id. {@link OnSpringBoot3} and
 * {@link OnSpringBoot27}: the key patterns again on the older lines (Reactor Netty 1.2 and 1.0, reactor-core 3.7 and
 * 3.4).
 */
@ExtendWith(JvmLogTail.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReactivePropagationIT {

    /** The sample's patterns (sample-apps/webflux Calls.PATTERNS) and the backend calls each makes. */
    static final Map<String, Integer> PATTERNS = Map.ofEntries(Map.entry("direct", 1), Map.entry("publish-on", 1),
            Map.entry("subscribe-on", 1), Map.entry("bounded-elastic", 1), Map.entry("executor", 1),
            Map.entry("delay", 1), Map.entry("delay-elements", 2), Map.entry("flatmap", 3), Map.entry("zip", 2),
            Map.entry("retry", 1), Map.entry("blocking", 1), Map.entry("cache", 1), Map.entry("share", 1),
            Map.entry("chained", 2));
    static final List<String> CLIENTS = List.of("webclient", "httpclient");
    static final String WEBFLUX_LANE = "webflux-lane";
    static final String GATEWAY_LANE = "gateway-lane";

    private static final int LOAD_REQUESTS = Integer.getInteger("graylane.it.reactive.requests", 5_000);
    private static final int LOAD_CONNECTIONS = 32;
    private static final int LABELS = 20;
    private static final int MAX_LIVE_CONTEXT_OBJECTS = 1_000;
    /** Contexts a quiet service may still reference after the load: its threads' and connections', not one per request. */
    private static final int MAX_LIVE_REQUEST_CONTEXTS = 300;

    private static AgentJvm backend;
    private static AgentJvm webflux;
    private static AgentJvm control;
    private static AgentJvm front;
    private static AgentJvm webfluxBoot3;
    private static AgentJvm webfluxBoot2;
    private static AgentJvm gateway;
    private static AgentJvm gatewayBoot3;
    private static AgentJvm gatewayBoot2;

    @BeforeAll
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    static void startServices() {
        AgentJvm.Builder backendBuilder = SampleApps.backend("reactive-backend", null).withAgent(false);
        AgentJvm.Builder webfluxBuilder = SampleApps.webflux("reactive-webflux", backendBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", WEBFLUX_LANE);
        AgentJvm.Builder controlBuilder = SampleApps.webflux("reactive-webflux-no-agent", backendBuilder.baseUrl())
                .withAgent(false);
        AgentJvm.Builder frontBuilder = SampleApps.front("reactive-front", webfluxBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        AgentJvm.Builder boot3Builder = SampleApps.webfluxBoot3("reactive-webflux-boot3", backendBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", WEBFLUX_LANE);
        AgentJvm.Builder boot2Builder = SampleApps.webfluxBoot2("reactive-webflux-boot2", backendBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", WEBFLUX_LANE);
        AgentJvm.Builder gatewayBuilder = SampleApps.gateway("reactive-gateway", webfluxBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", GATEWAY_LANE);
        AgentJvm.Builder gatewayBoot3Builder = SampleApps.gatewayBoot3("reactive-gateway-boot3", webfluxBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", GATEWAY_LANE);
        AgentJvm.Builder gatewayBoot2Builder = SampleApps.gatewayBoot2("reactive-gateway-boot2", webfluxBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", GATEWAY_LANE);
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, webfluxBuilder, controlBuilder, frontBuilder,
                boot3Builder, boot2Builder, gatewayBuilder, gatewayBoot3Builder, gatewayBoot2Builder);
        backend = started.get(0);
        webflux = started.get(1);
        control = started.get(2);
        front = started.get(3);
        webfluxBoot3 = started.get(4);
        webfluxBoot2 = started.get(5);
        gateway = started.get(6);
        gatewayBoot3 = started.get(7);
        gatewayBoot2 = started.get(8);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(gatewayBoot2, gatewayBoot3, gateway, webfluxBoot2, webfluxBoot3, front, control, webflux, backend);
    }

    static Stream<Arguments> patternsAndClients() {
        List<Arguments> arguments = new ArrayList<>();
        for (String pattern : new java.util.TreeSet<>(PATTERNS.keySet())) {
            for (String client : CLIENTS) {
                if (!pattern.equals("blocking") || client.equals("webclient")) arguments.add(Arguments.of(pattern, client));
            }
        }
        return arguments.stream();
    }

    @Order(1)
    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("patternsAndClients")
    void eachPatternCarriesTheLabelAndRequestId(String pattern, String client) {
        String requestId = "rx-" + pattern + "-" + client + "-" + System.nanoTime();
        String path = Http.withQuery("/echo", "pattern", pattern, "client", client);
        Http.Response response = Http.get(webflux.url(path), LABEL, "lane-rx", REQUEST_ID, requestId);

        assertNull(check(response, false, pattern, "lane-rx", requestId));
    }

    @Order(1)
    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("patternsAndClients")
    void withoutAnInboundLabelEachPatternCarriesTheLocalLabel(String pattern, String client) {
        String requestId = "rx-unlabelled-" + pattern + "-" + client + "-" + System.nanoTime();
        String path = Http.withQuery("/fn/echo", "pattern", pattern, "client", client);
        Http.Response response = Http.get(webflux.url(path), REQUEST_ID, requestId);

        assertNull(check(response, false, pattern, WEBFLUX_LANE, requestId));
    }

    @Order(1)
    @Test
    void theFunctionalRouteCarriesTheLabel() {
        String requestId = "rx-fn-" + System.nanoTime();
        Http.Response response = Http.get(webflux.url("/fn/echo?pattern=flatmap"), LABEL, "lane-fn", REQUEST_ID, requestId);

        assertNull(check(response, false, "flatmap", "lane-fn", requestId));
        assertEquals("functional", response.json().path("via").asText(), response.body());
    }

    /** Servlet front -> WebFlux -> backend: the label and id the front received reach the backend. */
    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("frontPatterns")
    void behindTheServletFrontTheLabelAndRequestIdReachTheBackend(String pattern) {
        String requestId = "rx-front-" + pattern + "-" + System.nanoTime();
        Http.Response labelled = Http.get(front.url("/call/okhttp?set-header=x-pattern:" + pattern),
                LABEL, "lane-front", REQUEST_ID, requestId);
        assertNull(check(labelled, true, pattern, "lane-front", requestId));

        Http.Response unlabelled = Http.get(front.url("/call/okhttp?set-header=x-pattern:" + pattern),
                REQUEST_ID, requestId + "-u");
        assertNull(check(unlabelled, true, pattern, FRONT_LANE, requestId + "-u"));
    }

    static Stream<String> frontPatterns() {
        return Stream.of("direct", "flatmap", "delay", "blocking");
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("clientsAndBlocking")
    void whatTheApplicationSetsWins(String client) {
        String path = Http.withQuery("/echo", "pattern", "zip", "client", client,
                "set-header", LABEL + ":app-lane", "set-header", REQUEST_ID + ":app-id");
        Http.Response response = Http.get(webflux.url(path), LABEL, "lane-rx", REQUEST_ID, "inbound-id");

        assertNull(check(response, false, "zip", "app-lane", "app-id"));
    }

    static Stream<String> clientsAndBlocking() {
        return Stream.of("webclient", "httpclient", "blocking");
    }

    /** A call made by a thread that serves no request carries the service's own lane, and no request id. */
    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("clientsAndBlocking")
    void outsideAnyRequestTheLocalLabel(String client) {
        Http.Response response = Http.get(webflux.url("/background?client=" + client), LABEL, "lane-bg", REQUEST_ID, "bg-id");

        assertNull(check(response, false, "background", WEBFLUX_LANE, null));
    }

    /** The control: the same service without graylane forwards nothing, so the checks above can fail. */
    @Order(1)
    @Test
    void withoutTheAgentNothingIsForwarded() {
        Http.Response response = Http.get(control.url("/echo?pattern=flatmap"), LABEL, "lane-rx", REQUEST_ID, "control-id");

        JsonNode webfluxAnswer = Echo.ok(response);
        assertEquals(3, webfluxAnswer.path("calls").size(), response.body());
        for (JsonNode call : webfluxAnswer.path("calls")) {
            assertEquals(List.of(), Echo.values(call, LABEL), response.body());
            assertEquals(List.of(), Echo.values(call, REQUEST_ID), response.body());
        }
        assertTrue(check(response, false, "flatmap", "lane-rx", "control-id") != null);
    }

    /**
     * Concurrent requests over every pattern and both clients, directly and behind the front, one in five without a
     * label, with calls from the background thread mixed in (also on the boundedElastic workers, which a context left
     * behind would taint): each backend call carries exactly its request's label and id; then the service's heap holds
     * no contexts in proportion to the requests served.
     */
    @Order(2)
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void underConcurrentLoadNoCallSeesAnotherRequestsContext() throws Exception {
        List<String[]> targets = new ArrayList<>(); // {via front?, pattern, path}
        for (Arguments a : patternsAndClients().toList()) {
            String pattern = (String) a.get()[0];
            String client = (String) a.get()[1];
            targets.add(new String[] {"", pattern, Http.withQuery(client.equals("webclient") ? "/echo" : "/fn/echo",
                    "pattern", pattern, "client", client)});
        }
        for (String pattern : List.of("flatmap", "delay", "zip", "blocking")) {
            targets.add(new String[] {"front", pattern, "/call/java-http?set-header=x-pattern:" + pattern});
        }
        for (String client : clientsAndBlocking().toList()) {
            targets.add(new String[] {"", "background", "/background?client=" + client});
        }

        AtomicInteger next = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger unlabelled = new AtomicInteger();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        long started = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(LOAD_CONNECTIONS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < LOAD_CONNECTIONS; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < LOAD_REQUESTS; i = next.getAndIncrement()) {
                        String[] target = targets.get(i % targets.size());
                        boolean viaFront = !target[0].isEmpty();
                        String label = (i / targets.size()) % 5 == 4 ? null : "lane-" + (i * 7 % LABELS);
                        if (label == null) unlabelled.incrementAndGet();
                        String requestId = "rx-load-" + i;
                        AgentJvm service = viaFront ? front : webflux;
                        Http.Response response = label == null
                                ? Http.get(service.url(target[2]), REQUEST_ID, requestId)
                                : Http.get(service.url(target[2]), LABEL, label, REQUEST_ID, requestId);
                        String expectedLabel = target[1].equals("background") ? WEBFLUX_LANE
                                : label != null ? label : viaFront ? FRONT_LANE : WEBFLUX_LANE;
                        String problem = check(response, viaFront, target[1], expectedLabel,
                                target[1].equals("background") ? null : requestId);
                        if (problem != null) {
                            (response.status() == 200 ? wrong : failed).incrementAndGet();
                            if (problems.size() < 20) problems.add(target[2] + ": " + problem);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) worker.get();
        } finally {
            clients.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("[reactive load] java %d: %d requests (%d unlabelled) over %d connections, %d targets, "
                        + "%d lanes, %d wrong or missing, %d failed, %.1f s (%.0f requests/s)%n",
                Artifacts.javaFeatureVersion(), LOAD_REQUESTS, unlabelled.get(), LOAD_CONNECTIONS, targets.size(),
                LABELS, wrong.get(), failed.get(), seconds, LOAD_REQUESTS / seconds);
        assertEquals(0, wrong.get() + failed.get(), wrong.get() + " calls with a wrong or missing label or id, "
                + failed.get() + " failed requests; first ones: " + problems);

        Map<String, Long> live = ContextAcrossThreadsIT.liveInstances(webflux, "io.graylane.");
        System.out.println("[reactive load] live graylane objects in the WebFlux service after the load: " + live);
        for (String type : List.of("io.graylane.core.concurrent.ContextRunnable",
                "io.graylane.agent.instrumentation.reactor.helper.ContextSubscriber")) {
            long count = live.getOrDefault(type, 0L);
            assertTrue(count < MAX_LIVE_CONTEXT_OBJECTS, type + " has " + count + " live instances after "
                    + LOAD_REQUESTS + " requests: " + live);
        }
        // a client request's context travels in the request's Reactor context and nothing keeps it after the request:
        // what is left is what the services' threads and pooled connections still reference (98 in a run; a table
        // keyed by each request, as before, held one per request since the last collection: 770 in a run)
        long contexts = live.getOrDefault("io.graylane.core.TrafficContext", 0L);
        assertTrue(contexts < MAX_LIVE_REQUEST_CONTEXTS, contexts + " TrafficContext instances live after "
                + LOAD_REQUESTS + " requests: " + live);
    }

    /**
     * The same sample sources built on an older line (sample-apps/webflux-boot3, sample-apps/webflux-boot2): the key
     * patterns with both reactive clients, labelled (annotated controller) and unlabelled (functional route), and
     * calls outside any request.
     */
    abstract class OnAnOlderLine {

        abstract AgentJvm service();

        abstract java.nio.file.Path jar();

        /** The lines (version prefixes) of reactor-netty-http and reactor-core the jar must hold. */
        abstract String[] reactorNettyAndCore();

        @Test
        void theServiceRunsThatLine() throws Exception {
            List<String> libraries = new ArrayList<>();
            try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(jar().toFile())) {
                jar.stream().map(java.util.zip.ZipEntry::getName).filter(n -> n.startsWith("BOOT-INF/lib/reactor-"))
                        .forEach(libraries::add);
            }
            String[] versions = reactorNettyAndCore();
            assertTrue(libraries.stream().anyMatch(n -> n.startsWith("BOOT-INF/lib/reactor-netty-http-" + versions[0])),
                    libraries::toString);
            assertTrue(libraries.stream().anyMatch(n -> n.startsWith("BOOT-INF/lib/reactor-core-" + versions[1])),
                    libraries::toString);
        }

        @ParameterizedTest(name = "{0} with {1}")
        @MethodSource("io.graylane.it.ReactivePropagationIT#olderLinePatternsAndClients")
        void eachKeyPatternCarriesTheLabelOrTheLocalLane(String pattern, String client) {
            String requestId = "rx-old-" + pattern + "-" + client + "-" + System.nanoTime();
            Http.Response labelled = Http.get(service().url(Http.withQuery("/echo", "pattern", pattern, "client", client)),
                    LABEL, "lane-old", REQUEST_ID, requestId);
            assertNull(check(labelled, false, pattern, "lane-old", requestId));

            Http.Response unlabelled = Http.get(service().url(Http.withQuery("/fn/echo", "pattern", pattern, "client", client)),
                    REQUEST_ID, requestId + "-u");
            assertNull(check(unlabelled, false, pattern, WEBFLUX_LANE, requestId + "-u"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.ReactivePropagationIT#clientsAndBlocking")
        void outsideAnyRequestTheLocalLabel(String client) {
            Http.Response response = Http.get(service().url("/background?client=" + client), LABEL, "lane-bg", REQUEST_ID, "bg-id");

            assertNull(check(response, false, "background", WEBFLUX_LANE, null));
        }
    }

    /** Spring Boot 3.5: Spring Framework 6.2, Reactor Netty 1.2, reactor-core 3.7. */
    @Nested
    class OnSpringBoot3 extends OnAnOlderLine {

        @Override
        AgentJvm service() {
            return webfluxBoot3;
        }

        @Override
        java.nio.file.Path jar() {
            return Artifacts.webfluxBoot3Jar();
        }

        @Override
        String[] reactorNettyAndCore() {
            return new String[] {"1.2.", "3.7."};
        }
    }

    /** Spring Boot 2.7: Spring Framework 5.3, Reactor Netty 1.0, reactor-core 3.4 (the agent compiles against 1.0 and 3.4). */
    @Nested
    class OnSpringBoot27 extends OnAnOlderLine {

        @Override
        AgentJvm service() {
            return webfluxBoot2;
        }

        @Override
        java.nio.file.Path jar() {
            return Artifacts.webfluxBoot2Jar();
        }

        @Override
        String[] reactorNettyAndCore() {
            return new String[] {"1.0.", "3.4."};
        }
    }

    /**
     * Spring Cloud Gateway (server-webflux, with the agent, lane {@link #GATEWAY_LANE}) routes every path to the WebFlux
     * service, which calls the backend through the pattern the client names in {@code x-pattern}. Spring Cloud Gateway
     * passes the request's own headers on by itself; what graylane adds at the gateway is the label of a request that
     * has none in a header (the gateway's lane, or the label from baggage), and it must not add a second value to a
     * header the gateway already passes on.
     */
    abstract class ThroughAGateway {

        /** The gateway under test. */
        abstract AgentJvm gateway();

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.ReactivePropagationIT#frontPatterns")
        void theLabelAndRequestIdReachTheBackendOnceEach(String pattern) {
            String requestId = "rx-gw-" + pattern + "-" + System.nanoTime();
            Http.Response response = Http.get(gateway().url("/echo"), "x-pattern", pattern, LABEL, "lane-gw", REQUEST_ID, requestId);

            assertNull(checkBehindTheGateway(response, pattern, "lane-gw", requestId));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.ReactivePropagationIT#frontPatterns")
        void withoutALabelTheGatewaysLane(String pattern) {
            String requestId = "rx-gw-unlabelled-" + pattern + "-" + System.nanoTime();
            Http.Response response = Http.get(gateway().url("/fn/echo"), "x-pattern", pattern, REQUEST_ID, requestId);

            assertNull(checkBehindTheGateway(response, pattern, GATEWAY_LANE, requestId));
        }

        /** The label only in W3C baggage (the second label source): the gateway resolves it and sends the header. */
        @Test
        void aLabelFromBaggageBecomesTheHeader() {
            String requestId = "rx-gw-baggage-" + System.nanoTime();
            Http.Response response = Http.get(gateway().url("/echo"), "x-pattern", "flatmap",
                    "baggage", LABEL + "=lane-bag", REQUEST_ID, requestId);

            assertNull(checkBehindTheGateway(response, "flatmap", "lane-bag", requestId));
        }
    }

    @Nested
    class ThroughSpringCloudGateway extends ThroughAGateway {
        @Override
        AgentJvm gateway() {
            return gateway;
        }
    }

    /** The same on Spring Boot 3.5: Spring Cloud 2025.0 (Gateway 4.3), Reactor Netty 1.2, reactor-core 3.7. */
    @Nested
    class ThroughSpringCloudGatewayOnBoot35 extends ThroughAGateway {
        @Override
        AgentJvm gateway() {
            return gatewayBoot3;
        }
    }

    /** The same on Spring Boot 2.7: Spring Cloud 2021.0 (Gateway 3.1), Reactor Netty 1.0, reactor-core 3.4. */
    @Nested
    class ThroughSpringCloudGatewayOnBoot27 extends ThroughAGateway {
        @Override
        AgentJvm gateway() {
            return gatewayBoot2;
        }
    }

    /** {@link #check}, and the WebFlux service behind the gateway received exactly the label and request id itself. */
    private static String checkBehindTheGateway(Http.Response response, String pattern, String label, String requestId) {
        if (response.status() == 200) {
            JsonNode answer = response.json();
            if (!Echo.values(answer, LABEL).equals(List.of(label)) || !Echo.values(answer, REQUEST_ID).equals(List.of(requestId))) {
                return "the WebFlux service got " + answer.path("headers") + " from the gateway, expected " + label
                        + " " + requestId;
            }
        }
        return check(response, false, pattern, label, requestId);
    }

    /** The patterns run on the older lines: one of each kind of thread hop. */
    static Stream<Arguments> olderLinePatternsAndClients() {
        List<String> key = List.of("direct", "publish-on", "bounded-elastic", "delay", "flatmap", "zip", "retry", "blocking",
                "cache", "share");
        return patternsAndClients().filter(a -> key.contains((String) a.get()[0]));
    }

    /**
     * Null when the WebFlux service answered with the pattern's calls and each backend call received exactly
     * {@code label} and {@code requestId} (none when null), else what went wrong. Behind the front, the WebFlux
     * service itself must have received them too.
     */
    static String check(Http.Response response, boolean viaFront, String pattern, String label, String requestId) {
        if (response.status() != 200) return "status " + response.status() + ": " + response.body();
        try {
            JsonNode answer = viaFront ? response.json().path("downstream") : response.json();
            if (!answer.path("service").asText().equals("webflux")) return "no WebFlux answer in " + response.body();
            List<String> ids = requestId == null ? List.of() : List.of(requestId);
            if (viaFront && (!Echo.values(answer, LABEL).equals(List.of(label)) || !Echo.values(answer, REQUEST_ID).equals(ids))) {
                return "the WebFlux service got " + answer.path("headers") + ", expected " + label + " " + requestId;
            }
            JsonNode calls = answer.path("calls");
            int expectedCalls = PATTERNS.getOrDefault(pattern, 1);
            if (calls.size() != expectedCalls) return "expected " + expectedCalls + " calls in " + response.body();
            for (JsonNode call : calls) {
                if (!call.path("service").asText().equals("backend")) return "a call failed: " + call;
                List<String> labels = Echo.values(call, LABEL);
                if (!labels.equals(List.of(label)) || !Echo.values(call, REQUEST_ID).equals(ids)) {
                    return "expected " + LABEL + "=" + label + " " + REQUEST_ID + "=" + requestId + ", the backend got "
                            + call.path("headers");
                }
            }
            return null;
        } catch (AssertionError | RuntimeException e) {
            return e + " in " + response.body();
        }
    }
}
