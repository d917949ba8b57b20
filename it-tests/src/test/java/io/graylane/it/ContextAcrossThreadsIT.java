package io.graylane.it;

import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Work that leaves the request thread (pools, fork/join, completion stages, threads, timers, virtual
 * threads, async servlets, client callbacks) keeps the request's label and trace id, and no thread
 * ever hands one request's context to another: a front with the agent makes its backend call after
 * each kind of hop; the backend (no agent) shows what arrived. The load also goes through gRPC (front -> reviews ->
 * backend) and through the whole sample chain (front -gRPC-> reviews -Dubbo-> ratings -HTTP-> backend), every hop
 * checked.
 */
@ExtendWith(JvmLogTail.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContextAcrossThreadsIT {

    static final List<String> HOPS = List.of("executor", "scheduled", "forkjoin", "completable-async",
            "completable-then", "parallel-stream", "thread", "timer", "okhttp-callback", "java-http-then",
            "async-servlet", "decorated-executor", "nested", "virtual");

    private static final int LEAK_REQUESTS = Integer.getInteger("graylane.it.leak.requests", 20_000);
    private static final int LEAK_CONNECTIONS = 64;
    private static final int LABELS = 20;
    /** Live context objects allowed in the front's heap after the load: a bound far below the requests sent. */
    private static final int MAX_LIVE_CONTEXT_OBJECTS = 1_000;

    /** What holds a request's context; the traceId -> label map (bounded by its own setting) is not among them. */
    private static final List<String> CONTEXT_TYPES = List.of("io.graylane.core.TrafficContext",
            "io.graylane.core.concurrent.ContextRunnable", "io.graylane.core.concurrent.ContextCallable");

    /** The leak load's path through every protocol: front -gRPC-> reviews -Dubbo-> ratings -HTTP-> backend. */
    static final String CHAIN_TARGET = "/call/grpc?reviews=ratings";

    private static AgentJvm backend;
    private static AgentJvm reviews;
    private static AgentJvm ratings;
    private static AgentJvm reviewsToRatings;
    private static AgentJvm front;

    @BeforeAll
    static void startServices() {
        AgentJvm.Builder backendBuilder = SampleApps.backend("threads-backend", null).withAgent(false);
        // a gRPC hop in the load too: reviews takes the label it receives as its own and passes it on
        AgentJvm.Builder reviewsBuilder = SampleApps.reviews("threads-reviews", backendBuilder.baseUrl())
                .env("ASM_TRAFFIC_TAG", "reviews-lane");
        // and the Dubbo chain: the provider first, so that reviews' Dubbo client finds it at once
        AgentJvm.Builder ratingsBuilder = SampleApps.ratings("threads-ratings", backendBuilder.baseUrl(), "dubbo", null)
                .env("ASM_TRAFFIC_TAG", DubboPropagationIT.RATINGS_LANE);
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, reviewsBuilder, ratingsBuilder);
        backend = started.get(0);
        reviews = started.get(1);
        ratings = started.get(2);
        AgentJvm.Builder reviewsToRatingsBuilder = SampleApps.reviewsDubbo("threads-reviews-dubbo",
                        SampleApps.directUrl("dubbo", ratingsBuilder))
                .env("ASM_TRAFFIC_TAG", "reviews-lane");
        AgentJvm.Builder frontBuilder = SampleApps.front("threads-front", backendBuilder.baseUrl(), reviewsBuilder.address())
                .args(SampleApps.namedReviews("ratings", reviewsToRatingsBuilder))
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        started = AgentJvm.startAll(reviewsToRatingsBuilder, frontBuilder);
        reviewsToRatings = started.get(0);
        front = started.get(1);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(front, reviewsToRatings, ratings, reviews, backend);
    }

    static Stream<String> hops() {
        return HOPS.stream();
    }

    /** The hops the front's JVM can run (virtual threads need Java 21). */
    static List<String> availableHops() {
        List<String> hops = new ArrayList<>(HOPS);
        if (Artifacts.javaFeatureVersion() < 21) hops.remove("virtual");
        return hops;
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("hops")
    void eachHopCarriesTheLabelAndRequestId(String hop) {
        assumeTrue(availableHops().contains(hop), "virtual threads need Java 21+; the JDK 25 run covers them");
        String requestId = "hop-" + hop + "-" + System.nanoTime();
        Http.Response response = Http.get(front.url("/hop/" + hop), LABEL, "lane-" + hop, REQUEST_ID, requestId);

        JsonNode received = Echo.downstream(response);
        assertHeaderOnce(received, LABEL, "lane-" + hop, response);
        assertHeaderOnce(received, REQUEST_ID, requestId, response);
    }

    @Order(2)
    @ParameterizedTest(name = "{0}")
    @MethodSource("hops")
    void withoutAnInboundLabelEachHopCarriesTheLocalLabel(String hop) {
        assumeTrue(availableHops().contains(hop), "virtual threads need Java 21+; the JDK 25 run covers them");
        Http.Response response = Http.get(front.url("/hop/" + hop), REQUEST_ID, "no-label-" + hop);

        assertHeaderOnce(Echo.downstream(response), LABEL, FRONT_LANE, response);
    }

    /**
     * A Netty event loop whose thread a labelled request started (as a client library's loop starts with its first
     * call) must not run later work under that request's context: a call made on the loop for another request goes
     * out with the front's own lane and no request id (graylane does not carry contexts into Netty's executors), never
     * with the label and id of the request that started the thread.
     */
    @Order(1)
    @Test
    void aNettyEventLoopStartedInARequestDoesNotKeepItsContext() {
        Http.Response started = Http.get(front.url("/event-loop/start"), LABEL, "lane-loop-starter", REQUEST_ID, "loop-starter");
        assertEquals(200, started.status(), started.body());

        Http.Response response = Http.get(front.url("/event-loop/call"), LABEL, "lane-loop-caller", REQUEST_ID, "loop-caller");
        JsonNode received = Echo.downstream(response);
        assertHeaderOnce(received, LABEL, FRONT_LANE, response);
        assertNull(received.path("headers").get(REQUEST_ID), "no request id on the loop's thread: " + response.body());
    }

    /** One request through the whole chain: reviews, ratings and the backend each got exactly its label and id. */
    @Order(1)
    @Test
    void theGrpcDubboChainCarriesTheLabelAndRequestIdToEveryHop() {
        String requestId = "chain-" + System.nanoTime();
        Http.Response response = Http.get(front.url(CHAIN_TARGET), LABEL, "lane-chain", REQUEST_ID, requestId);

        assertNull(check(response, "lane-chain", requestId, CHAIN_TARGET));
    }

    @Order(2)
    @Test
    void withoutAnInboundLabelTheGrpcDubboChainCarriesTheFrontsLabelToEveryHop() {
        String requestId = "chain-no-label-" + System.nanoTime();
        Http.Response response = Http.get(front.url(CHAIN_TARGET), REQUEST_ID, requestId);

        assertNull(check(response, FRONT_LANE, requestId, CHAIN_TARGET));
    }

    /**
     * Many concurrent requests with different labels, and requests with none, over every hop: each
     * backend call must carry exactly its own request's label and id; an unlabelled request exactly
     * the front's own lane; a gRPC or Dubbo chain is checked at every service it passes. Then the front's heap must
     * not hold context objects in proportion to the requests served.
     */
    @Order(3)
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void noRequestEverSeesAnotherRequestsContext() throws Exception {
        List<String> targets = new ArrayList<>();
        for (String hop : availableHops()) targets.add("/hop/" + hop);
        targets.add("/call/okhttp");
        targets.add("/call/okhttp-async");
        targets.add("/call/java-http-async");
        targets.add("/call/grpc");
        targets.add("/call/grpc-async");
        targets.add(CHAIN_TARGET);

        AtomicInteger next = new AtomicInteger();
        List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger mismatchCount = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        long started = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(LEAK_CONNECTIONS);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < LEAK_CONNECTIONS; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < LEAK_REQUESTS; i = next.getAndIncrement()) {
                        String target = targets.get(i % targets.size());
                        // one request in 21 has no label
                        String label = (i / targets.size()) % (LABELS + 1) == LABELS ? null : "lane-" + (i * 7 % LABELS);
                        String requestId = "leak-" + i;
                        Http.Response response = label == null
                                ? Http.get(front.url(target), REQUEST_ID, requestId)
                                : Http.get(front.url(target), LABEL, label, REQUEST_ID, requestId);
                        String problem = check(response, label == null ? FRONT_LANE : label, requestId, target);
                        if (problem != null) {
                            (response.status() == 200 ? mismatchCount : failures).incrementAndGet();
                            if (mismatches.size() < 20) mismatches.add(target + ": " + problem);
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
        System.out.printf("[leak test] java %d: %d requests over %d connections, %d targets, %d mismatches, "
                        + "%d failed requests, %.1f s (%.0f requests/s)%n", Artifacts.javaFeatureVersion(),
                LEAK_REQUESTS, LEAK_CONNECTIONS, targets.size(), mismatchCount.get(), failures.get(), seconds,
                LEAK_REQUESTS / seconds);
        assertEquals(0, mismatchCount.get() + failures.get(), "requests that saw another context or failed: "
                + mismatchCount.get() + " mismatches, " + failures.get() + " failures; first ones: " + mismatches);

        Map<String, Long> live = liveInstances(front, "io.graylane.core.");
        System.out.println("[leak test] live graylane core objects in the front after the load: " + live);
        for (String type : CONTEXT_TYPES) {
            long count = live.getOrDefault(type, 0L);
            assertTrue(count < MAX_LIVE_CONTEXT_OBJECTS, type + " has " + count + " live instances after "
                    + LEAK_REQUESTS + " requests: " + live);
        }
    }

    /** The services after the front that a request to {@code target} passes, in order. */
    private static List<String> servicesAfterTheFront(String target) {
        if (target.equals(CHAIN_TARGET)) return List.of("reviews", "ratings", "backend");
        if (target.startsWith("/call/grpc")) return List.of("reviews", "backend");
        return List.of("backend");
    }

    /**
     * Null when every service after the front (reviews, ratings, the backend, as {@code target} goes) received exactly
     * the expected label and request id, else what went wrong.
     */
    private static String check(Http.Response response, String label, String requestId, String target) {
        if (response.status() != 200) return "status " + response.status() + ": " + response.body();
        try {
            List<String> services = new ArrayList<>();
            for (JsonNode hop = response.json().path("downstream"); hop.isObject(); hop = hop.path("downstream")) {
                services.add(hop.path("service").asText());
                List<String> labels = Echo.values(hop, LABEL);
                List<String> ids = Echo.values(hop, REQUEST_ID);
                if (!labels.equals(List.of(label)) || !ids.equals(List.of(requestId))) {
                    return "expected " + LABEL + "=" + label + " " + REQUEST_ID + "=" + requestId + ", "
                            + hop.path("service").asText() + " got " + hop.path("headers");
                }
            }
            if (!services.equals(servicesAfterTheFront(target))) {
                return "expected the services " + servicesAfterTheFront(target) + ", got " + services + " in "
                        + response.body();
            }
            return null;
        } catch (AssertionError e) {
            return e.getMessage() + " in " + response.body();
        }
    }

    /** Instance counts per class name prefix, from {@code jcmd PID GC.class_histogram} (which collects first). */
    static Map<String, Long> liveInstances(AgentJvm jvm, String classPrefix) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Artifacts.jdkTool("jcmd"), Long.toString(jvm.pid()), "GC.class_histogram")
                .redirectErrorStream(true).start();
        String histogram = new String(jcmd.getInputStream().readAllBytes());
        assertEquals(0, jcmd.waitFor(), "jcmd failed: " + histogram);
        Map<String, Long> counts = new TreeMap<>();
        Matcher row = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+(\\S+)", Pattern.MULTILINE).matcher(histogram);
        while (row.find()) {
            if (row.group(2).startsWith(classPrefix)) counts.put(row.group(2), Long.parseLong(row.group(1)));
        }
        assertTrue(histogram.contains("Total"), "not a class histogram: " + histogram);
        return counts;
    }
}
