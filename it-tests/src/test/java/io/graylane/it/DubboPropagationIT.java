package io.graylane.it;

import static io.graylane.it.Echo.assertField;
import static io.graylane.it.Echo.assertHeaderAbsent;
import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
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
 * HTTP -> Dubbo -> HTTP over loopback: the dubbo-front (Tomcat 9, agent, lane {@code front-lane}) calls the ratings
 * provider (agent, lane {@code ratings-lane}) over Dubbo, and ratings calls a backend WITHOUT the agent. What ratings
 * received as attachments and what the backend received as headers show what the agents carried.
 * <ul>
 *   <li>target {@code dubbo}: dubbo protocol, direct URL (the provider is also registered in ZooKeeper);</li>
 *   <li>target {@code tri}: triple protocol, direct URL, to a provider that is also registered in ZooKeeper;</li>
 *   <li>target {@code zk}: the same triple provider found through an embedded ZooKeeper registry.</li>
 * </ul>
 * Nested classes: the whole sample chain HTTP -> gRPC -> Dubbo -> HTTP through these providers, the same on Dubbo
 * 2.7 and 3.2, the hook switched off, and no agent at all.
 */
@ExtendWith(JvmLogTail.class)
class DubboPropagationIT {

    static final String RATINGS_LANE = "ratings-lane";
    /** A registry's provider list reaches the consumer shortly after the provider registered: bounded wait. */
    private static final Duration DISCOVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final int ASYNC_ATTEMPTS = 5;

    private static TestingServer zooKeeper;
    /** {@code zookeeper://127.0.0.1:PORT}, where both providers register */
    private static String registry;
    /** No agent: the observer at the end of every chain. */
    private static AgentJvm backend;
    private static AgentJvm ratingsDubbo;
    private static AgentJvm ratingsTri;
    private static AgentJvm front;

    @BeforeAll
    static void startServices() throws Exception {
        zooKeeper = new TestingServer(new InstanceSpec(null, AgentJvm.freePort(), -1, -1, true, -1, -1, -1,
                Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1"), true);
        registry = "zookeeper://127.0.0.1:" + zooKeeper.getPort();

        AgentJvm.Builder backendBuilder = SampleApps.backend("backend", null).withAgent(false);
        AgentJvm.Builder dubboBuilder = ratings("ratings-dubbo", backendBuilder, "dubbo", registry);
        AgentJvm.Builder triBuilder = ratings("ratings-tri", backendBuilder, "tri", registry);
        AgentJvm.Builder frontBuilder = SampleApps.dubboFront("dubbo-front", backendBuilder.baseUrl(),
                        "dubbo=" + SampleApps.directUrl("dubbo", dubboBuilder),
                        "tri=" + SampleApps.directUrl("tri", triBuilder),
                        "zk=" + registry + "?protocol=tri")
                .withAgent(true)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        // the providers first: a triple client that finds no server at start-up waits for a reconnect
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, dubboBuilder, triBuilder);
        backend = started.get(0);
        ratingsDubbo = started.get(1);
        ratingsTri = started.get(2);
        front = frontBuilder.start();
    }

    @AfterAll
    static void stopServices() throws Exception {
        AgentJvm.closeAll(front, ratingsTri, ratingsDubbo, backend);
        if (zooKeeper != null) {
            zooKeeper.close();
        }
    }

    private static AgentJvm.Builder ratings(String name, AgentJvm.Builder backend, String protocol, String registry) {
        return SampleApps.ratings(name, backend.baseUrl(), protocol, registry)
                .withAgent(true)
                .env("ASM_TRAFFIC_TAG", RATINGS_LANE);
    }

    static Stream<String> directTargets() {
        return Stream.of("dubbo", "tri");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directTargets")
    void labelAndTraceIdsTravelAsAttachmentsToTheLastHop(String target) {
        assertChainCarriesLabelAndTraceIds(front, target);
    }

    @Test
    void labelAndTraceIdsTravelThroughAZooKeeperRegistry() {
        awaitProviderFound(front, "zk");

        assertChainCarriesLabelAndTraceIds(front, "zk");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directTargets")
    void withoutAnInboundLabelTheFrontsLocalLabelIsSent(String target) {
        Http.Response response = Http.get(front.url("/call/" + target));

        JsonNode ratings = ratingsReceived(response, target);
        assertHeaderOnce(ratings, LABEL, FRONT_LANE, response);
        assertHeaderOnce(Echo.downstream(ratings, response), LABEL, FRONT_LANE, response);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directTargets")
    void attachmentsTheApplicationSetsThroughRpcContextWin(String target) {
        assertApplicationAttachmentsWin(front, target);
    }

    /**
     * Two calls in one request: whatever ran for the first call (on both sides) must leave the consumer's context
     * in place for the second.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("directTargets")
    void aSecondCallInTheSameRequestStillCarriesTheLabel(String target) {
        assertSecondCallCarriesTheLabel(front, target);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("directTargets")
    void anAsyncCallCarriesTheLabelAndItsCallbackRunsInTheRequestsContext(String target) {
        assertAsyncCallAndCallbackCarryTheLabel(front, target);
    }

    /**
     * Concurrent requests with different labels, and without, over both protocols, sync, two calls per request and
     * async (CompletableFuture methods and RpcContext.asyncCall) with its callback: every service each request
     * reaches (ratings, the backend, the callback's backend call) sees exactly that request's label and id; an
     * unlabelled request exactly the front's own lane.
     */
    @Test
    void underConcurrentLoadNoRequestSeesAnotherRequestsContext() throws Exception {
        List<String> targets = List.of("/call/dubbo", "/call/tri", "/call/dubbo?mode=twice", "/call/dubbo?mode=async",
                "/call/tri?mode=async", "/call/dubbo?mode=asynccall", "/call/tri?mode=asynccall");
        int requests = Integer.getInteger("graylane.it.dubbo.leak.requests", 3_000);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger mismatches = new AtomicInteger();
        List<String> examples = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        String target = targets.get(i % targets.size());
                        String label = (i / targets.size()) % 21 == 20 ? null : "lane-" + (i * 7 % 20);
                        String requestId = "dubbo-leak-" + i;
                        Http.Response response = label == null
                                ? Http.get(front.url(target), REQUEST_ID, requestId)
                                : Http.get(front.url(target), LABEL, label, REQUEST_ID, requestId);
                        String problem = everyHopSaw(response, label == null ? FRONT_LANE : label, requestId);
                        if (problem != null) {
                            mismatches.incrementAndGet();
                            if (examples.size() < 10) examples.add(target + ": " + problem);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) worker.get();
        } finally {
            clients.shutdownNow();
        }
        System.out.printf("[dubbo leak test] %d requests over 32 connections, %d targets, %d mismatches%n",
                requests, targets.size(), mismatches.get());
        assertEquals(0, mismatches.get(), "requests that saw another context or failed; first ones: " + examples);
    }

    /** Null when every service below the front (any nested object with headers) saw exactly this label and id. */
    private static String everyHopSaw(Http.Response response, String label, String requestId) {
        if (response.status() != 200) return "status " + response.status() + ": " + response.body();
        List<JsonNode> hops = new ArrayList<>();
        collectHops(response.json().path("downstream"), hops);
        if (hops.isEmpty()) return "no downstream service in " + response.body();
        for (JsonNode hop : hops) {
            List<String> labels = Echo.values(hop, LABEL);
            List<String> ids = Echo.values(hop, REQUEST_ID);
            if (!labels.equals(List.of(label)) || !ids.equals(List.of(requestId))) {
                return "expected " + label + "/" + requestId + ", " + hop.path("service").asText() + " got "
                        + hop.path("headers") + " in " + response.body();
            }
        }
        return null;
    }

    private static void collectHops(JsonNode node, List<JsonNode> hops) {
        if (node.isObject()) {
            if (node.has("service") && node.path("headers").isObject()) hops.add(node);
            node.properties().forEach(field -> collectHops(field.getValue(), hops));
        } else if (node.isArray()) {
            node.forEach(element -> collectHops(element, hops));
        }
    }

    @Test
    void eachAgentNamesDubboAmongItsInstrumentations() {
        for (AgentJvm jvm : List.of(front, ratingsDubbo, ratingsTri)) {
            jvm.awaitLog("a [graylane] startup line listing dubbo", log -> log.lines()
                    .anyMatch(line -> line.startsWith("[graylane]") && line.contains("instrumentations ")
                            && line.contains(",dubbo")), Duration.ofSeconds(10));
        }
    }

    /**
     * The whole sample chain, every service its own JVM: client -HTTP-> front (Jetty 12) -gRPC-> reviews -Dubbo->
     * ratings -HTTP-> backend. The front, every reviews (graylane-reviews-dubbo.jar) and both ratings run with the
     * agent, each with a lane of its own; the backend without it. The front calls one reviews per way of reaching
     * ratings ({@code /call/grpc*?reviews=NAME}):
     * <ul>
     *   <li>{@code dubbo}, {@code tri}: a direct URL to the ratings provider of that protocol;</li>
     *   <li>{@code zk-dubbo}, {@code zk-tri}: the same providers, found through the embedded ZooKeeper registry;</li>
     *   <li>{@code no-agent}: a reviews without the agent (direct, dubbo), the control.</li>
     * </ul>
     * Every hop after the front is checked: reviews (gRPC metadata), ratings (Dubbo attachments), the backend (HTTP).
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class FullChain {

        private final List<AgentJvm> services = new ArrayList<>();
        private AgentJvm chainFront;

        @BeforeAll
        void start() {
            Map<String, AgentJvm.Builder> reviews = new LinkedHashMap<>();
            chainTargets().forEach(target -> reviews.put(target,
                    SampleApps.reviewsDubbo("reviews-" + target, ratingsAddress(target)).withAgent(true)
                            .env("ASM_TRAFFIC_TAG", GrpcPropagationIT.REVIEWS_LANE)));
            reviews.put("no-agent", SampleApps.reviewsDubbo("reviews-no-agent", ratingsAddress("dubbo"))
                    .withAgent(false).env("ASM_TRAFFIC_TAG", GrpcPropagationIT.REVIEWS_LANE));
            AgentJvm.Builder frontBuilder = SampleApps.front("chain-front", backend.baseUrl()).withAgent(true)
                    .env("ASM_TRAFFIC_TAG", FRONT_LANE);
            reviews.forEach((name, builder) -> frontBuilder.args(SampleApps.namedReviews(name, builder)));

            List<AgentJvm.Builder> builders = new ArrayList<>(reviews.values());
            builders.add(frontBuilder);
            services.addAll(AgentJvm.startAll(builders.toArray(AgentJvm.Builder[]::new)));
            chainFront = services.get(services.size() - 1);
            // a reviews reaches ratings once its Dubbo client has found the provider (through ZooKeeper: a moment later)
            reviews.keySet().forEach(this::awaitChain);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(services.toArray(AgentJvm[]::new));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#chainTargets")
        void labelAndTraceIdsReachEveryHopUnchanged(String target) {
            String requestId = uniqueId();
            String traceparent = "00-" + hex(32) + "-" + hex(16) + "-01";
            Http.Response response = Http.get(chainFront.url(chainPath(target, "grpc")),
                    LABEL, "lane-a", REQUEST_ID, requestId, "traceparent", traceparent);

            for (JsonNode hop : everyHop(response, target, "grpc")) {
                assertHeaderOnce(hop, LABEL, "lane-a", response);
                assertHeaderOnce(hop, REQUEST_ID, requestId, response);
                assertHeaderOnce(hop, "traceparent", traceparent, response);
            }
        }

        /** The front is the first service without a label: its own lane is the label of the whole chain. */
        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#chainTargets")
        void withoutAnInboundLabelTheFrontsLocalLabelReachesEveryHop(String target) {
            String requestId = uniqueId();
            Http.Response response = Http.get(chainFront.url(chainPath(target, "grpc")), REQUEST_ID, requestId);

            for (JsonNode hop : everyHop(response, target, "grpc")) {
                assertHeaderOnce(hop, LABEL, FRONT_LANE, response);
                assertHeaderOnce(hop, REQUEST_ID, requestId, response);
            }
        }

        /** What the front's application sets on its gRPC call wins there, and reviews passes it on as received. */
        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#chainTargets")
        void metadataTheFrontSetsWinsAndTravelsToTheLastHop(String target) {
            String path = chainPath(target, "grpc",
                    "set-header", LABEL + ":app-set", "set-header", REQUEST_ID + ":app-id");
            Http.Response response = Http.get(chainFront.url(path), LABEL, "lane-a", REQUEST_ID, "r-in-" + uniqueId());

            for (JsonNode hop : everyHop(response, target, "grpc")) {
                assertHeaderOnce(hop, LABEL, "app-set", response);
                assertHeaderOnce(hop, REQUEST_ID, "app-id", response);
            }
        }

        /**
         * Future and async stubs, and the bidirectional stream, whose messages reviews answers in gRPC callbacks (each
         * with a Dubbo call of its own): every answer's chain carries the label and id.
         */
        @ParameterizedTest(name = "{0} via {1}")
        @MethodSource("io.graylane.it.DubboPropagationIT#otherGrpcCallsAndDirectTargets")
        void everyKindOfGrpcCallCarriesTheLabelToTheLastHop(String client, String target) {
            String requestId = uniqueId();
            Http.Response response = Http.get(chainFront.url(chainPath(target, client)),
                    LABEL, "lane-s", REQUEST_ID, requestId);

            for (JsonNode hop : everyHop(response, target, client)) {
                assertHeaderOnce(hop, LABEL, "lane-s", response);
                assertHeaderOnce(hop, REQUEST_ID, requestId, response);
            }
        }

        /**
         * The control: the same chain with a reviews that runs without the agent. The front's agent still reaches
         * reviews, but nothing goes on to ratings, and the backend gets ratings' own lane: what ratings and the backend
         * receive in the tests above, reviews' agent carried (its gRPC server and Dubbo consumer hooks).
         */
        @Test
        void withoutTheAgentInReviewsNothingReachesRatings() {
            Http.Response response = Http.get(chainFront.url(chainPath("no-agent", "grpc")),
                    LABEL, "lane-a", REQUEST_ID, uniqueId());

            List<JsonNode> hops = everyHop(response, "no-agent", "grpc");
            assertHeaderOnce(hops.get(0), LABEL, "lane-a", response);
            assertHeaderAbsent(hops.get(1), LABEL, response);
            assertHeaderAbsent(hops.get(1), REQUEST_ID, response);
            assertHeaderOnce(hops.get(2), LABEL, RATINGS_LANE, response);
            assertHeaderAbsent(hops.get(2), REQUEST_ID, response);
        }

        @Test
        void eachReviewsAgentNamesGrpcAndDubboAmongItsInstrumentations() {
            for (AgentJvm reviews : services.subList(0, (int) chainTargets().count())) {
                reviews.awaitLog("a [graylane] startup line listing grpc and dubbo", log -> log.lines()
                        .anyMatch(line -> line.startsWith("[graylane]")
                                && line.matches(".*instrumentations [^ ]*\\bgrpc\\b.*")
                                && line.matches(".*instrumentations [^ ]*\\bdubbo\\b.*")), Duration.ofSeconds(10));
            }
        }

        /** Polls the chain until reviews answers with what ratings answered; bounded. */
        private void awaitChain(String target) {
            long deadline = System.nanoTime() + DISCOVERY_TIMEOUT.toNanos();
            Http.Response last = null;
            while (System.nanoTime() - deadline < 0) {
                last = Http.get(chainFront.url(chainPath(target, "grpc")));
                if (last.status() == 200 && last.json().path("downstream").path("downstream").path("service").asText()
                        .equals("ratings")) {
                    return;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            fail("the front did not reach ratings through reviews " + target + " within " + DISCOVERY_TIMEOUT
                    + "; last: " + last);
        }
    }

    /** The ways reviews reaches ratings in {@link FullChain}: direct URLs, and through the ZooKeeper registry. */
    static Stream<String> chainTargets() {
        return Stream.of("dubbo", "tri", "zk-dubbo", "zk-tri");
    }

    static Stream<Arguments> otherGrpcCallsAndDirectTargets() {
        return Stream.of("grpc-future", "grpc-async", "grpc-stream").flatMap(client -> directTargets()
                .map(target -> Arguments.of(client, target)));
    }

    /** What reviews is started with to reach ratings as {@code target} (a {@link #chainTargets()} name). */
    private static String ratingsAddress(String target) {
        return switch (target) {
            case "dubbo" -> "dubbo://127.0.0.1:" + ratingsDubbo.port();
            case "tri" -> "tri://127.0.0.1:" + ratingsTri.port();
            case "zk-dubbo" -> registry + "?protocol=dubbo";
            case "zk-tri" -> registry + "?protocol=tri";
            default -> throw new IllegalArgumentException(target);
        };
    }

    /** {@code /call/CLIENT?reviews=TARGET}, then the other query parameters given (names and values). */
    private static String chainPath(String target, String client, String... query) {
        return Http.withQuery("/call/" + client,
                Stream.concat(Stream.of("reviews", target), Stream.of(query)).toArray(String[]::new));
    }

    /**
     * What the hops after the front received, in chain order, for each answer of reviews (several for the stream):
     * reviews (its gRPC metadata), ratings (its Dubbo attachments; the provider of the expected protocol) and the
     * backend (its HTTP headers). Fails unless the answer has exactly this shape.
     */
    private static List<JsonNode> everyHop(Http.Response response, String target, String client) {
        assertField(Echo.ok(response), "reviews", target, response);
        List<JsonNode> hops = new ArrayList<>();
        for (JsonNode reviews : GrpcPropagationIT.reviewsAnswers(response, client)) {
            JsonNode ratings = Echo.downstream(reviews, response);
            assertField(ratings, "service", "ratings", response);
            assertField(ratings, "protocol", target.endsWith("tri") ? "tri" : "dubbo", response);
            JsonNode backend = Echo.downstream(ratings, response);
            assertField(backend, "service", "backend", response);
            hops.addAll(List.of(reviews, ratings, backend));
        }
        return hops;
    }

    /** Dubbo 2.7: the same sample classes on its class path, provider and consumer both with the agent. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnDubbo27 {

        private AgentJvm ratings27;
        private AgentJvm front27;

        @BeforeAll
        void start() {
            AgentJvm.Builder ratingsBuilder = SampleApps.ratingsOn("27", "ratings-dubbo27", backend.baseUrl(), "dubbo")
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", RATINGS_LANE);
            AgentJvm.Builder frontBuilder = SampleApps.dubboFrontOn("27", "dubbo-front27", backend.baseUrl(),
                            "dubbo=" + SampleApps.directUrl("dubbo", ratingsBuilder))
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", FRONT_LANE);
            List<AgentJvm> started = AgentJvm.startAll(ratingsBuilder, frontBuilder);
            ratings27 = started.get(0);
            front27 = started.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(front27, ratings27);
        }

        @Test
        void runsOnDubbo27() {
            String version = Artifacts.dubboVersion("27");
            ratings27.awaitLog("Dubbo " + version + " in the provider's ready line",
                    log -> log.contains("(Dubbo " + version + ")"), Duration.ofSeconds(10));
        }

        @Test
        void labelAndTraceIdsTravelToTheLastHop() {
            assertChainCarriesLabelAndTraceIds(front27, "dubbo");
        }

        @Test
        void withoutAnInboundLabelTheFrontsLocalLabelIsSent() {
            Http.Response response = Http.get(front27.url("/call/dubbo"));

            JsonNode ratings = ratingsReceived(response, "dubbo");
            assertHeaderOnce(ratings, LABEL, FRONT_LANE, response);
            assertHeaderOnce(Echo.downstream(ratings, response), LABEL, FRONT_LANE, response);
        }

        @Test
        void attachmentsTheApplicationSetsThroughRpcContextWin() {
            assertApplicationAttachmentsWin(front27, "dubbo");
        }

        @Test
        void aSecondCallInTheSameRequestStillCarriesTheLabel() {
            assertSecondCallCarriesTheLabel(front27, "dubbo");
        }

        @Test
        void anAsyncCallCarriesTheLabelAndItsCallbackRunsInTheRequestsContext() {
            assertAsyncCallAndCallbackCarryTheLabel(front27, "dubbo");
        }
    }

    /** Dubbo 3.2: the same sample classes on its class path, both protocols, provider and consumer with the agent. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnDubbo32 {

        private AgentJvm ratings32;
        private AgentJvm ratings32Tri;
        private AgentJvm front32;

        @BeforeAll
        void start() {
            AgentJvm.Builder dubboBuilder = SampleApps.ratingsOn("32", "ratings-dubbo32", backend.baseUrl(), "dubbo")
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", RATINGS_LANE);
            AgentJvm.Builder triBuilder = SampleApps.ratingsOn("32", "ratings-tri32", backend.baseUrl(), "tri")
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", RATINGS_LANE);
            List<AgentJvm> started = AgentJvm.startAll(dubboBuilder, triBuilder);
            ratings32 = started.get(0);
            ratings32Tri = started.get(1);
            front32 = SampleApps.dubboFrontOn("32", "dubbo-front32", backend.baseUrl(),
                            "dubbo=" + SampleApps.directUrl("dubbo", dubboBuilder),
                            "tri=" + SampleApps.directUrl("tri", triBuilder))
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", FRONT_LANE)
                    .start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(front32, ratings32Tri, ratings32);
        }

        @Test
        void runsOnDubbo32() {
            String version = Artifacts.dubboVersion("32");
            front32.awaitLog("Dubbo " + version + " in the front's ready line",
                    log -> log.contains("(Dubbo " + version + ")"), Duration.ofSeconds(10));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#directTargets")
        void labelAndTraceIdsTravelToTheLastHop(String target) {
            assertChainCarriesLabelAndTraceIds(front32, target);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#directTargets")
        void attachmentsTheApplicationSetsThroughRpcContextWin(String target) {
            assertApplicationAttachmentsWin(front32, target);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#directTargets")
        void aSecondCallInTheSameRequestStillCarriesTheLabel(String target) {
            assertSecondCallCarriesTheLabel(front32, target);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.DubboPropagationIT#directTargets")
        void anAsyncCallCarriesTheLabelAndItsCallbackRunsInTheRequestsContext(String target) {
            assertAsyncCallAndCallbackCarryTheLabel(front32, target);
        }
    }

    /** -Dgraylane.instrumentation.dubbo.enabled=false on the front: its Dubbo calls carry nothing, HTTP still works. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class DubboInstrumentationDisabled {

        private AgentJvm frontDubboOff;

        @BeforeAll
        void start() {
            frontDubboOff = SampleApps.dubboFront("dubbo-front-dubbo-off", backend.baseUrl(),
                            "dubbo=dubbo://127.0.0.1:" + ratingsDubbo.port())
                    .withAgent(true)
                    .env("ASM_TRAFFIC_TAG", FRONT_LANE)
                    .systemProperty("graylane.instrumentation.dubbo.enabled", "false")
                    .start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(frontDubboOff);
        }

        @Test
        void dubboCallsCarryNoLabelOrTraceId() {
            Http.Response response = Http.get(frontDubboOff.url("/call/dubbo"), LABEL, "lane-a", REQUEST_ID, uniqueId());

            JsonNode ratings = ratingsReceived(response, "dubbo");
            assertHeaderAbsent(ratings, LABEL, response);
            assertHeaderAbsent(ratings, REQUEST_ID, response);
            // the provider's own agent is on: with nothing received it sends its own lane
            assertHeaderOnce(Echo.downstream(ratings, response), LABEL, RATINGS_LANE, response);
        }

        @Test
        void theStartupLineDoesNotListDubbo() {
            String line = frontDubboOff.awaitLog("a [graylane] startup line", log -> log.lines()
                    .anyMatch(l -> l.startsWith("[graylane]") && l.contains("instrumentations ")), Duration.ofSeconds(10))
                    .lines().filter(l -> l.startsWith("[graylane]") && l.contains("instrumentations ")).findFirst()
                    .orElseThrow();
            assertTrue(line.contains("servlet") && !line.contains("dubbo"),
                    () -> "expected the startup line to list servlet but not dubbo, got: " + line);
        }
    }

    /** The same chain without any agent carries none of it: every assertion above needs the agent. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutTheAgent {

        private AgentJvm ratingsNoAgent;
        private AgentJvm frontNoAgent;

        @BeforeAll
        void start() {
            AgentJvm.Builder ratingsBuilder = SampleApps.ratings("ratings-no-agent", backend.baseUrl(), "dubbo", null)
                    .withAgent(false)
                    .env("ASM_TRAFFIC_TAG", RATINGS_LANE);
            AgentJvm.Builder frontBuilder = SampleApps.dubboFront("dubbo-front-no-agent", backend.baseUrl(),
                            "dubbo=" + SampleApps.directUrl("dubbo", ratingsBuilder))
                    .withAgent(false)
                    .env("ASM_TRAFFIC_TAG", FRONT_LANE);
            List<AgentJvm> started = AgentJvm.startAll(ratingsBuilder, frontBuilder);
            ratingsNoAgent = started.get(0);
            frontNoAgent = started.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(frontNoAgent, ratingsNoAgent);
        }

        @Test
        void noLabelOrTraceIdReachesRatingsOrTheBackend() {
            Http.Response response = Http.get(frontNoAgent.url("/call/dubbo?mode=async"),
                    LABEL, "lane-a", REQUEST_ID, uniqueId());

            JsonNode ratings = ratingsReceived(response, "dubbo");
            JsonNode last = Echo.downstream(ratings, response);
            JsonNode callback = Echo.downstream(callback(response), response);
            for (JsonNode received : List.of(ratings, last, callback)) {
                assertHeaderAbsent(received, LABEL, response);
                assertHeaderAbsent(received, REQUEST_ID, response);
            }
        }
    }

    private static void assertChainCarriesLabelAndTraceIds(AgentJvm front, String target) {
        String requestId = uniqueId();
        String traceparent = "00-" + hex(32) + "-" + hex(16) + "-01";
        Http.Response response = Http.get(front.url("/call/" + target),
                LABEL, "lane-a", REQUEST_ID, requestId, "traceparent", traceparent);

        JsonNode ratings = ratingsReceived(response, target);
        JsonNode last = Echo.downstream(ratings, response);
        assertHeaderOnce(ratings, LABEL, "lane-a", response);
        assertHeaderOnce(ratings, REQUEST_ID, requestId, response);
        assertHeaderOnce(ratings, "traceparent", traceparent, response);
        assertHeaderOnce(last, LABEL, "lane-a", response);
        assertHeaderOnce(last, REQUEST_ID, requestId, response);
        assertHeaderOnce(last, "traceparent", traceparent, response);
    }

    private static void assertApplicationAttachmentsWin(AgentJvm front, String target) {
        String path = Http.withQuery("/call/" + target,
                "set-attachment", LABEL + ":app-set", "set-attachment", REQUEST_ID + ":app-id");
        Http.Response response = Http.get(front.url(path), LABEL, "lane-a", REQUEST_ID, "r-in-" + uniqueId());

        JsonNode ratings = ratingsReceived(response, target);
        assertHeaderOnce(ratings, LABEL, "app-set", response);
        assertHeaderOnce(ratings, REQUEST_ID, "app-id", response);
        // the provider makes what it received current: the next hop sees the application's values
        assertHeaderOnce(Echo.downstream(ratings, response), LABEL, "app-set", response);
    }

    private static void assertSecondCallCarriesTheLabel(AgentJvm front, String target) {
        String requestId = uniqueId();
        Http.Response response = Http.get(front.url("/call/" + target + "?mode=twice"),
                LABEL, "lane-b", REQUEST_ID, requestId);

        JsonNode first = ratingsReceived(response, target);
        JsonNode second = response.json().get("second");
        if (second == null || !second.isObject()) {
            fail("expected a \"second\" object (the second call's answer) in " + response);
        }
        for (JsonNode ratings : List.of(first, second)) {
            assertHeaderOnce(ratings, LABEL, "lane-b", response);
            assertHeaderOnce(ratings, REQUEST_ID, requestId, response);
            assertHeaderOnce(Echo.downstream(ratings, response), LABEL, "lane-b", response);
        }
    }

    /**
     * The callback must run on a Dubbo thread to show anything: a call whose answer was back before the callback was
     * chained (a cold first call can be that slow) runs it on the request thread. So: up to a few calls, each must
     * carry the label everywhere, and at least one callback must have run on a Dubbo thread.
     */
    private static void assertAsyncCallAndCallbackCarryTheLabel(AgentJvm front, String target) {
        assertAsyncCallAndCallbackCarryTheLabel(front, target, "async");
        assertAsyncCallAndCallbackCarryTheLabel(front, target, "asynccall");
    }

    /** {@code mode}: async (a method returning CompletableFuture) or asynccall (RpcContext.asyncCall). */
    private static void assertAsyncCallAndCallbackCarryTheLabel(AgentJvm front, String target, String mode) {
        List<String> threads = new ArrayList<>();
        for (int attempt = 0; attempt < ASYNC_ATTEMPTS; attempt++) {
            String requestId = uniqueId();
            Http.Response response = Http.get(front.url("/call/" + target + "?mode=" + mode),
                    LABEL, "lane-c", REQUEST_ID, requestId);

            JsonNode ratings = ratingsReceived(response, target);
            assertHeaderOnce(ratings, LABEL, "lane-c", response);
            assertHeaderOnce(Echo.downstream(ratings, response), REQUEST_ID, requestId, response);
            JsonNode callback = callback(response);
            JsonNode fromCallback = Echo.downstream(callback, response);
            assertHeaderOnce(fromCallback, LABEL, "lane-c", response);
            assertHeaderOnce(fromCallback, REQUEST_ID, requestId, response);
            String thread = callback.path("thread").asText();
            if (!thread.equals(callback.path("requestThread").asText())) {
                return;
            }
            threads.add(thread);
        }
        fail("expected at least one of " + ASYNC_ATTEMPTS + " " + mode + " calls to run its callback on a Dubbo thread,"
                + " they all ran on the request thread: " + threads);
    }

    /**
     * Polls /call/{target} until it answers 200: with a registry, the provider list reaches the consumer a moment
     * after the provider registered.
     */
    private static void awaitProviderFound(AgentJvm front, String target) {
        long deadline = System.nanoTime() + DISCOVERY_TIMEOUT.toNanos();
        Http.Response last = null;
        while (System.nanoTime() - deadline < 0) {
            last = Http.get(front.url("/call/" + target));
            if (last.status() == 200) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        fail("the front did not reach ratings through " + target + " within " + DISCOVERY_TIMEOUT + "; last: " + last);
    }

    /** The front answered 200 for {@code target}; returns what ratings received (its JSON, headers = attachments). */
    private static JsonNode ratingsReceived(Http.Response response, String target) {
        JsonNode answer = Echo.ok(response);
        assertField(answer, "target", target, response);
        JsonNode ratings = Echo.downstream(answer, response);
        assertField(ratings, "service", "ratings", response);
        return ratings;
    }

    private static JsonNode callback(Http.Response response) {
        JsonNode callback = response.json().get("callback");
        if (callback == null || !callback.isObject()) {
            fail("expected a \"callback\" object (what the async callback's HTTP call saw) in " + response);
        }
        return callback;
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
