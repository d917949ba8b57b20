package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Full-link gray release on one machine: the topology of {@code sample-apps/lanes.tsv} (front -gRPC-> reviews -HTTP->
 * backend, all in lane {@code base}, reviews also in lane {@code dev-x}), every service with the agent and its
 * ASM_TRAFFIC_TAG, every hop through a real HAProxy whose configuration LaneMesh generates from the table: a request
 * labelled L goes to a service's lane-L instance while it passes its health checks, else to base. Every answer names
 * the lane of the instance that served each hop. The base front also mirrors each request it serves to the router
 * with {@code graylane.mirror.label=dev-x}. A front without the agent, outside the router, is the control.
 */
@ExtendWith(JvmLogTail.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LanesIT {

    private static final String BASE = "base";
    private static final String DEV_X = "dev-x";
    private static final Path LANE_TABLE = Path.of("../sample-apps/lanes.tsv");
    private static final List<Path> HAPROXY = List.of(Path.of("/usr/sbin/haproxy"), Path.of("/usr/bin/haproxy"),
            Path.of("/usr/local/sbin/haproxy"), Path.of("/usr/local/bin/haproxy"));
    private static final Duration ROUTER_TIMEOUT = Duration.ofSeconds(30);
    /** 2 failed checks 250 ms apart mark an instance down; the rest is slack for a shared 2-CPU machine. */
    private static final Duration FALLBACK_LIMIT = Duration.ofSeconds(5);

    private final Map<String, Integer> routerPorts = new ConcurrentHashMap<>();
    private Process haproxy;
    private AgentJvm backendBase;
    private AgentJvm reviewsBase;
    private AgentJvm reviewsDevX;
    private AgentJvm frontBase;
    private AgentJvm frontWithoutAgent;

    @BeforeAll
    void startTheMesh() throws Exception {
        Path haproxyBinary = HAPROXY.stream().filter(Files::isExecutable).findFirst().orElseGet(() -> fail(
                "HAProxy not found at " + HAPROXY + ": LanesIT routes through a real HAProxy; install it with"
                        + " apt-get install -y haproxy (.ci/run does)"));
        for (String service : List.of("front", "reviews", "backend")) routerPorts.put(service, AgentJvm.freePort());
        String viaRouterBackend = "http://127.0.0.1:" + routerPorts.get("backend");
        String viaRouterReviews = "127.0.0.1:" + routerPorts.get("reviews");

        AgentJvm.Builder backend = SampleApps.backend("lanes-backend-base", null).withAgent(true)
                .env("ASM_TRAFFIC_TAG", BASE);
        AgentJvm.Builder reviews = SampleApps.reviews("lanes-reviews-base", viaRouterBackend).withAgent(true)
                .env("ASM_TRAFFIC_TAG", BASE);
        AgentJvm.Builder reviewsX = SampleApps.reviews("lanes-reviews-dev-x", viaRouterBackend).withAgent(true)
                .env("ASM_TRAFFIC_TAG", DEV_X);
        AgentJvm.Builder front = SampleApps.front("lanes-front-base", viaRouterBackend, viaRouterReviews)
                .withAgent(true).env("ASM_TRAFFIC_TAG", BASE)
                .systemProperty("graylane.mirror.enabled", "true")
                .systemProperty("graylane.mirror.target", "http://127.0.0.1:" + routerPorts.get("front"))
                .systemProperty("graylane.mirror.label", DEV_X);
        AgentJvm.Builder control = SampleApps.front("lanes-front-no-agent", viaRouterBackend, viaRouterReviews)
                .withAgent(false);

        Path config = Path.of("target/jvm-logs/lanes-haproxy.cfg");
        Files.createDirectories(config.getParent());
        Files.writeString(config, generate(List.of(
                "front=" + routerPorts.get("front"), "front/base=" + front.port(),
                "reviews=" + routerPorts.get("reviews"), "reviews/base=" + reviews.port(),
                "reviews/dev-x=" + reviewsX.port(),
                "backend=" + routerPorts.get("backend"), "backend/base=" + backend.port())));

        List<AgentJvm> started = AgentJvm.startAll(backend, reviews, reviewsX, front, control);
        backendBase = started.get(0);
        reviewsBase = started.get(1);
        reviewsDevX = started.get(2);
        frontBase = started.get(3);
        frontWithoutAgent = started.get(4);

        haproxy = new ProcessBuilder(haproxyBinary.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target/jvm-logs/lanes-haproxy.log").toFile())
                .start();
        awaitServedBy(DEV_X, DEV_X, ROUTER_TIMEOUT);
        awaitServedBy(null, BASE, ROUTER_TIMEOUT);
    }

    @AfterAll
    void stopTheMesh() throws Exception {
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(5, TimeUnit.SECONDS)) haproxy.destroyForcibly();
        }
        AgentJvm.closeAll(frontWithoutAgent, frontBase, reviewsDevX, reviewsBase, backendBase);
    }

    /** The router's configuration, from the lane table, by the same generator demo.sh lanes runs. */
    private static String generate(List<String> ports) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Artifacts.frontJar().toString(), "io.graylane.samples.LaneMesh", LANE_TABLE.toString()));
        command.addAll(ports);
        Process generator = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String config = new String(generator.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(generator.waitFor(30, TimeUnit.SECONDS), "LaneMesh did not finish");
        assertEquals(0, generator.exitValue(), () -> "LaneMesh failed: " + command);
        return config;
    }

    /**
     * 16 clients, 800 requests through the router, labelled dev-x, base, dev-y (a lane no service has) and unlabelled
     * in turn: every request is served by reviews' dev-x instance exactly when labelled dev-x, by base instances
     * everywhere else, and every hop saw the request's label (the front's own lane, base, when it came without one).
     */
    @Test
    @Order(1)
    void underConcurrentMixedLoadNoRequestIsServedByAWrongLane() throws Exception {
        List<String> labels = Collections.unmodifiableList(java.util.Arrays.asList(DEV_X, null, "dev-y", BASE));
        int requests = 800;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        List<String> examples = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(16);
        long started = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                workers.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        String label = labels.get(i % labels.size());
                        String problem;
                        try {
                            Http.Response response = call(label, "lanes-" + i);
                            problem = wrongHop(response, label, "lanes-" + i);
                            if (problem == null) {
                                String lane = response.json().path("downstream").path("lane").asText();
                                servedBy.computeIfAbsent((label == null ? "-" : label) + " -> reviews(" + lane + ")",
                                        k -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (UncheckedIOException e) {
                            problem = e.toString();
                        }
                        if (problem != null) {
                            wrong.incrementAndGet();
                            if (examples.size() < 5) examples.add(problem);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) worker.get();
        } finally {
            clients.shutdownNow();
        }
        System.out.printf("[lanes] %d requests, 16 clients, %d ms: %s; served by a wrong lane or failed: %d%n", requests,
                (System.nanoTime() - started) / 1_000_000, new java.util.TreeMap<>(servedBy), wrong.get());
        assertEquals(0, wrong.get(), () -> "requests served by a wrong lane or failed; first ones: " + examples);
        assertEquals(requests / 4, servedBy.getOrDefault("dev-x -> reviews(dev-x)", new AtomicInteger()).get());
    }

    /** The control: without the agent, the front's gRPC call carries no label, and dev-x requests never reach dev-x. */
    @Test
    @Order(1)
    void withoutTheAgentTheLabelStopsAtTheFrontAndDevXIsNeverReached() {
        for (int i = 0; i < 10; i++) {
            Http.Response response = Http.get(frontWithoutAgent.url("/call/grpc"), LABEL, DEV_X);
            JsonNode reviews = Echo.downstream(response);
            Echo.assertField(reviews, "lane", BASE, response);
            Echo.assertHeaderAbsent(reviews, LABEL, response);
        }
    }

    /**
     * {@code graylane.mirror.label=dev-x}: the base front copies an unlabelled request to the router with label dev-x;
     * the copy is served by the front's base instance (the front has no dev-x lane) and its gRPC call, marked as a
     * shadow copy, by reviews' dev-x instance, while the original stays in base.
     */
    @Test
    @Order(1)
    void mirrorCopiesCarryTheMirrorLabelAndAreRoutedIntoItsLane() {
        String id = "lanes-mirror-1";
        Http.Response response = call(null, id);
        assertEquals(null, wrongHop(response, null, id));
        reviewsDevX.awaitLog("the shadow copy of " + id + " labelled dev-x", log -> log.lines().anyMatch(line ->
                line.contains("x-request-id=" + id) && line.contains("label=dev-x") && line.contains("shadow-copy")),
                Duration.ofSeconds(10));
        assertTrue(reviewsBase.log().lines().anyMatch(line -> line.contains("x-request-id=" + id)
                && line.contains("label=base") && !line.contains("shadow-copy")), "the original in reviews base");
        assertTrue(reviewsBase.log().lines().noneMatch(line -> line.contains("x-request-id=" + id)
                && line.contains("shadow-copy")), "no copy in reviews base");
    }

    /**
     * Last: reviews' dev-x instance stops while 4 clients keep sending dev-x requests. Its traffic falls back to base
     * once the router's health checks notice (two checks 250 ms apart), and no request fails after that.
     */
    @Test
    @Order(2)
    void whenTheDevXInstanceStopsMidRunItsTrafficFallsBackToBase() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong firstFallback = new AtomicLong();
        AtomicInteger failedBefore = new AtomicInteger();
        AtomicInteger failedAfter = new AtomicInteger();
        AtomicInteger servedAfter = new AtomicInteger();
        AtomicInteger counter = new AtomicInteger();
        List<String> examples = Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        long[] stopped = new long[2];
        try {
            for (int c = 0; c < 4; c++) {
                workers.add(clients.submit(() -> {
                    while (running.get()) {
                        long sent = System.nanoTime();
                        String id = "lanes-stop-" + counter.incrementAndGet();
                        String problem;
                        String lane = null;
                        try {
                            Http.Response response = call(DEV_X, id);
                            lane = response.status() == 200 ? response.json().path("downstream").path("lane").asText() : null;
                            problem = lane == null ? "status " + response.status() + ": " + response.body() : null;
                        } catch (UncheckedIOException e) {
                            problem = e.toString();
                        }
                        long fallback = firstFallback.get();
                        if (BASE.equals(lane)) firstFallback.compareAndSet(0, System.nanoTime());
                        if (fallback != 0 && sent > fallback) {
                            if (problem != null || !BASE.equals(lane)) {
                                failedAfter.incrementAndGet();
                                if (examples.size() < 5) examples.add(problem != null ? problem : "served by " + lane);
                            } else {
                                servedAfter.incrementAndGet();
                            }
                        } else if (problem != null) {
                            failedBefore.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            awaitCount(counter, 20);
            stopped[0] = System.nanoTime();
            reviewsDevX.close(); // SIGTERM, and returns once the JVM has exited
            stopped[1] = System.nanoTime();
            long deadline = System.nanoTime() + FALLBACK_LIMIT.toNanos() * 4;
            while (servedAfter.get() < 200 && System.nanoTime() - deadline < 0) pause();
        } finally {
            running.set(false);
            for (Future<?> worker : workers) worker.get(30, TimeUnit.SECONDS);
            clients.shutdownNow();
        }
        assertTrue(firstFallback.get() != 0, "dev-x requests never fell back to base");
        long fallbackMillis = Math.max(0, firstFallback.get() - stopped[1]) / 1_000_000;
        System.out.printf("[lanes] reviews dev-x stopped (its JVM took %d ms to exit): first dev-x request served by base"
                        + " %d ms after the exit; %d requests"
                        + " failed before, %d failed and %d succeeded (all base) after%n",
                (stopped[1] - stopped[0]) / 1_000_000, fallbackMillis, failedBefore.get(), failedAfter.get(), servedAfter.get());
        assertEquals(0, failedAfter.get(), () -> "requests that failed or left base after the fallback: " + examples);
        assertTrue(servedAfter.get() >= 200, "fewer than 200 requests after the fallback: " + servedAfter.get());
        assertTrue(fallbackMillis <= FALLBACK_LIMIT.toMillis(), "fallback took " + fallbackMillis + " ms");
    }

    /** Null when every hop of the answer was served by the right lane and saw the request's label and id. */
    private static String wrongHop(Http.Response response, String label, String requestId) {
        if (response.status() != 200) return "status " + response.status() + ": " + response.body();
        JsonNode front = response.json();
        JsonNode reviews = front.path("downstream");
        JsonNode backend = reviews.path("downstream");
        String reviewsLane = DEV_X.equals(label) ? DEV_X : BASE;
        String carried = label == null ? BASE : label;
        if (!BASE.equals(front.path("lane").asText()) || !reviewsLane.equals(reviews.path("lane").asText())
                || !BASE.equals(backend.path("lane").asText())) {
            return "label " + label + ": expected front(base) reviews(" + reviewsLane + ") backend(base): " + response;
        }
        for (JsonNode hop : List.of(reviews, backend)) {
            if (!Echo.values(hop, LABEL).equals(List.of(carried)) || !Echo.values(hop, REQUEST_ID).equals(List.of(requestId))) {
                return "label " + label + ": " + hop.path("service").asText() + " saw " + hop.path("headers") + ": " + response;
            }
        }
        return null;
    }

    private Http.Response call(String label, String requestId) {
        String url = "http://127.0.0.1:" + routerPorts.get("front") + "/call/grpc";
        return label == null ? Http.get(url, REQUEST_ID, requestId) : Http.get(url, LABEL, label, REQUEST_ID, requestId);
    }

    private void awaitServedBy(String label, String reviewsLane, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                // a new id each time: the copy of a request that the front mirrors with label dev-x records
                // (id -> dev-x) in the traceId -> label map, which an unlabelled request with the same id would use
                Http.Response response = call(label, "lanes-ready-" + System.nanoTime());
                if (response.status() == 200 && reviewsLane.equals(response.json().path("downstream").path("lane").asText())) {
                    return;
                }
                last = response.toString();
            } catch (UncheckedIOException e) {
                last = e.toString();
            }
            pause();
        }
        fail("through the router, a request labelled " + label + " never reached reviews(" + reviewsLane + ") within "
                + timeout + "; last: " + last);
    }

    private static void awaitCount(AtomicInteger counter, int count) {
        long deadline = System.nanoTime() + ROUTER_TIMEOUT.toNanos();
        while (counter.get() < count) {
            if (System.nanoTime() - deadline > 0) fail("the clients sent only " + counter.get() + " requests");
            pause();
        }
    }

    /** Between two polls of a condition that has a deadline. */
    private static void pause() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
