package io.graylane.it;

import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * The traffic counters on {@code GET /metrics} (graylane.metrics.port) and MBean {@code graylane:type=Traffic}.
 * The front (Jetty, local lane {@value SampleApps#FRONT_LANE}, default label sources) calls a backend (Tomcat) that
 * runs the agent with no local lane and only the label header as source, and reviews (gRPC, which calls the backend
 * with HttpURLConnection); all three expose /metrics. Labelled, baggage, trace-map, unlabelled and invalid-label
 * requests go through the front with each HTTP client (blocking and asynchronous), one through its background thread (a thread hop graylane
 * does not cover), one over gRPC (the first call of the front's channel, which gRPC starts later on its own
 * thread), and unlabelled requests straight to the backend; then
 * each counter must have moved by exactly what was sent, the MBean must agree with the scrape, and Prometheus' own
 * parser ({@code promtool check metrics}, Debian package {@code prometheus}) must accept the scrape.
 */
@ExtendWith(JvmLogTail.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final HttpClient SCRAPER = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration SCRAPE_DEADLINE = Duration.ofSeconds(20);

    private AgentJvm front;
    private AgentJvm backend;
    private AgentJvm reviews;
    private int frontMetrics;
    private int backendMetrics;
    private int reviewsMetrics;

    @BeforeAll
    void start() {
        frontMetrics = AgentJvm.freePort();
        backendMetrics = AgentJvm.freePort();
        reviewsMetrics = AgentJvm.freePort();
        AgentJvm.Builder backendBuilder = SampleApps.backend("metrics-backend", null)
                .systemProperty("graylane.metrics.port", Integer.toString(backendMetrics))
                .systemProperty("graylane.label.sources", "header:" + LABEL);
        AgentJvm.Builder reviewsBuilder = SampleApps.reviews("metrics-reviews", backendBuilder.baseUrl())
                .systemProperty("graylane.metrics.port", Integer.toString(reviewsMetrics));
        AgentJvm.Builder frontBuilder = SampleApps.front("metrics-front", backendBuilder.baseUrl(), reviewsBuilder.address())
                .env("ASM_TRAFFIC_TAG", FRONT_LANE)
                .systemProperty("graylane.metrics.port", Integer.toString(frontMetrics));
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, reviewsBuilder, frontBuilder);
        backend = started.get(0);
        reviews = started.get(1);
        front = started.get(2);
    }

    @AfterAll
    void stop() {
        AgentJvm.closeAll(front, reviews, backend);
    }

    @Test
    void countersMoveByExactlyWhatWasSent_theMBeanAgrees_andPromtoolAcceptsTheScrape() throws Exception {
        Map<String, Long> frontBefore = samples(scrape(frontMetrics));
        Map<String, Long> backendBefore = samples(scrape(backendMetrics));
        Map<String, Long> reviewsBefore = samples(scrape(reviewsMetrics));

        ok(Http.get(front.url("/call/okhttp"), LABEL, "dev-x", "traceparent", TRACEPARENT));   // header, recorded
        ok(Http.get(front.url("/call/url-connection"), "baggage", "k=v," + LABEL + "=dev-b"));  // baggage
        ok(Http.get(front.url("/call/java-http"), "traceparent", TRACEPARENT));                 // trace-map
        ok(Http.get(front.url("/call/apache5")));                                                // local
        ok(Http.get(front.url("/call/okhttp"), LABEL, "bad!label"));                            // rejected, local
        ok(Http.get(front.url("/background?client=okhttp"), LABEL, "dev-x"));                   // header; call: background
        ok(Http.get(front.url("/call/grpc"), LABEL, "dev-g"));                                   // header; call: request
        ok(Http.get(front.url("/call/okhttp-async"), LABEL, "dev-x"));                           // header
        ok(Http.get(front.url("/call/java-http-async"), LABEL, "dev-x"));                        // header
        ok(Http.get(backend.url("/echo")));                                                      // none
        ok(Http.get(backend.url("/echo"), LABEL, "bad!label"));                                  // rejected, none

        String frontText = scrape(frontMetrics);
        String backendText = scrape(backendMetrics);
        String reviewsText = scrape(reviewsMetrics);
        Map<String, Long> frontMoved = moved(frontBefore, samples(frontText));
        Map<String, Long> backendMoved = moved(backendBefore, samples(backendText));
        Map<String, Long> reviewsMoved = moved(reviewsBefore, samples(reviewsText));

        Map<String, Long> frontExpected = new TreeMap<>();
        inbound(frontExpected, "servlet", 5, 1, 1, 2, 0);
        frontExpected.put(rejected("servlet"), 1L);
        outbound(frontExpected, "okhttp", 3, 1, 0);
        outbound(frontExpected, "http-url-connection", 1, 0, 0);
        outbound(frontExpected, "java-http-client", 2, 0, 0);
        outbound(frontExpected, "apache-httpclient", 1, 0, 0);
        outbound(frontExpected, "grpc", 1, 0, 0);
        assertTraffic(front, frontExpected, frontMoved);

        Map<String, Long> backendExpected = new TreeMap<>();
        inbound(backendExpected, "servlet", 9, 0, 0, 0, 2); // the front sends a label on every call, its own lane at least
        backendExpected.put(rejected("servlet"), 1L);
        assertTraffic(backend, backendExpected, backendMoved);

        Map<String, Long> reviewsExpected = new TreeMap<>();
        inbound(reviewsExpected, "grpc", 1, 0, 0, 0, 0);
        outbound(reviewsExpected, "http-url-connection", 1, 0, 0);
        assertTraffic(reviews, reviewsExpected, reviewsMoved);

        assertMBeanAgrees(front, frontText);
        assertMBeanAgrees(backend, backendText);
        assertMBeanAgrees(reviews, reviewsText);
        promtoolAccepts(frontText);
        promtoolAccepts(backendText);
        promtoolAccepts(reviewsText);
    }

    @Test
    void metricsEndpointAnswersOnlyGetMetrics() throws Exception {
        HttpResponse<String> metrics = get(frontMetrics, "/metrics");
        assertEquals(200, metrics.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.headers().firstValue("content-type").orElse(""));
        assertEquals(404, get(frontMetrics, "/").statusCode());
        // the endpoint is not on the application's port
        assertEquals(404, Http.get(front.url("/metrics")).status());
    }

    @Test
    void aMetricsPortInUseIsLoggedInOneLineAndTheServiceRunsOn() {
        // the port the backend's own Tomcat listens on
        AgentJvm taken = SampleApps.backend("metrics-port-taken", null)
                .systemProperty("graylane.metrics.port", Integer.toString(backend.port()))
                .start();
        try {
            ok(Http.get(taken.url("/echo"), LABEL, "dev-x"));
            String expected = "metrics endpoint not started: cannot listen on 127.0.0.1:" + backend.port()
                    + " (graylane.metrics.host, graylane.metrics.port)";
            String log = taken.awaitLog("the metrics endpoint's bind failure", text -> text.contains(expected),
                    Duration.ofSeconds(20));
            assertEquals(1, log.lines().filter(line -> line.contains("metrics endpoint")).count(), log);
            assertTrue(log.contains(", metrics http://127.0.0.1:" + backend.port() + "/metrics"), "the startup line: " + log);
        } finally {
            AgentJvm.closeAll(taken);
        }
    }

    /**
     * Reactor Netty on both sides: WebFlux (local lane {@value #WEB_LANE}) answers /echo by calling the backend with
     * WebClient or Reactor Netty's HttpClient (the request is written on an event loop, with the context recorded when
     * it was subscribed), and /background through a call made outside any request.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Reactive {

        private static final String WEB_LANE = "web-lane";
        private AgentJvm webflux;
        private int webfluxMetrics;

        @BeforeAll
        void start() {
            webfluxMetrics = AgentJvm.freePort();
            webflux = SampleApps.webflux("metrics-webflux", backend.baseUrl())
                    .env("ASM_TRAFFIC_TAG", WEB_LANE)
                    .systemProperty("graylane.metrics.port", Integer.toString(webfluxMetrics))
                    .start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(webflux);
        }

        @Test
        void reactorNettyCountsRequestsAndCallsByContext() throws Exception {
            Map<String, Long> webBefore = samples(scrape(webfluxMetrics));
            Map<String, Long> backendBefore = samples(scrape(backendMetrics));

            ok(Http.get(webflux.url("/echo"), LABEL, "dev-w"));                      // header; call: request
            ok(Http.get(webflux.url("/echo?client=httpclient")));                   // local; call: request
            ok(Http.get(webflux.url("/background?client=webclient"), LABEL, "dev-w")); // header; call: background

            String webText = scrape(webfluxMetrics);
            Map<String, Long> webExpected = new TreeMap<>();
            inbound(webExpected, "reactor-netty", 2, 0, 0, 1, 0);
            outbound(webExpected, "reactor-netty", 2, 1, 0);
            assertTraffic(webflux, webExpected, moved(webBefore, samples(webText)));

            Map<String, Long> backendExpected = new TreeMap<>();
            inbound(backendExpected, "servlet", 3, 0, 0, 0, 0);
            assertTraffic(backend, backendExpected, moved(backendBefore, samples(scrape(backendMetrics))));

            assertMBeanAgrees(webflux, webText);
            promtoolAccepts(webText);
        }
    }

    /**
     * Dubbo: dubbo-front (Tomcat, no local lane) calls ratings (Dubbo provider, local lane {@value #RATINGS_LANE}) over
     * the dubbo protocol, which calls the backend with HttpURLConnection; a labelled and an unlabelled call.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Dubbo {

        private static final String RATINGS_LANE = "ratings-lane";
        private AgentJvm dubboFront;
        private AgentJvm ratings;
        private int dubboFrontMetrics;
        private int ratingsMetrics;

        @BeforeAll
        void start() {
            dubboFrontMetrics = AgentJvm.freePort();
            ratingsMetrics = AgentJvm.freePort();
            AgentJvm.Builder ratingsBuilder = SampleApps.ratings("metrics-ratings", backend.baseUrl(), "dubbo", null)
                    .env("ASM_TRAFFIC_TAG", RATINGS_LANE)
                    .systemProperty("graylane.metrics.port", Integer.toString(ratingsMetrics));
            AgentJvm.Builder frontBuilder = SampleApps.dubboFront("metrics-dubbo-front", backend.baseUrl(),
                            "dubbo=" + SampleApps.directUrl("dubbo", ratingsBuilder))
                    .systemProperty("graylane.metrics.port", Integer.toString(dubboFrontMetrics));
            // the provider first: a consumer that finds no server at start-up waits for a reconnect
            ratings = ratingsBuilder.start();
            dubboFront = frontBuilder.start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(dubboFront, ratings);
        }

        @Test
        void dubboCountsProviderRequestsAndConsumerCalls() throws Exception {
            Map<String, Long> frontBefore = samples(scrape(dubboFrontMetrics));
            Map<String, Long> ratingsBefore = samples(scrape(ratingsMetrics));
            Map<String, Long> backendBefore = samples(scrape(backendMetrics));

            ok(Http.get(dubboFront.url("/call/dubbo"), LABEL, "dev-d")); // header -> header -> header
            ok(Http.get(dubboFront.url("/call/dubbo")));                // none -> local (ratings' lane) -> header

            String frontText = scrape(dubboFrontMetrics);
            String ratingsText = scrape(ratingsMetrics);
            Map<String, Long> frontExpected = new TreeMap<>();
            inbound(frontExpected, "servlet", 1, 0, 0, 0, 1);
            outbound(frontExpected, "dubbo", 2, 0, 0);
            assertTraffic(dubboFront, frontExpected, moved(frontBefore, samples(frontText)));

            Map<String, Long> ratingsExpected = new TreeMap<>();
            inbound(ratingsExpected, "dubbo", 1, 0, 0, 1, 0);
            outbound(ratingsExpected, "http-url-connection", 2, 0, 0);
            assertTraffic(ratings, ratingsExpected, moved(ratingsBefore, samples(ratingsText)));

            Map<String, Long> backendExpected = new TreeMap<>();
            inbound(backendExpected, "servlet", 2, 0, 0, 0, 0);
            assertTraffic(backend, backendExpected, moved(backendBefore, samples(scrape(backendMetrics))));

            assertMBeanAgrees(dubboFront, frontText);
            assertMBeanAgrees(ratings, ratingsText);
            promtoolAccepts(frontText);
            promtoolAccepts(ratingsText);
        }
    }

    // ---- expectations ----

    private static void inbound(Map<String, Long> expected, String hook, long header, long baggage, long traceMap,
                                long local, long none) {
        long[] values = {header, baggage, traceMap, local, none};
        String[] sources = {"header", "baggage", "trace-map", "local", "none"};
        for (int i = 0; i < sources.length; i++) {
            expected.put("graylane_inbound_requests_total{hook=\"" + hook + "\",source=\"" + sources[i] + "\"}", values[i]);
        }
    }

    private static void outbound(Map<String, Long> expected, String hook, long request, long background, long none) {
        expected.put(call(hook, "request"), request);
        expected.put(call(hook, "background"), background);
        expected.put(call(hook, "none"), none);
    }

    private static String call(String hook, String context) {
        return "graylane_outbound_calls_total{hook=\"" + hook + "\",context=\"" + context + "\"}";
    }

    private static String rejected(String hook) {
        return "graylane_inbound_rejected_total{hook=\"" + hook + "\"}";
    }

    /** Every traffic sample moved by what {@code expected} says, and every traffic sample not in it did not move. */
    private static void assertTraffic(AgentJvm jvm, Map<String, Long> expected, Map<String, Long> moved) {
        Map<String, Long> actual = new TreeMap<>();
        for (Map.Entry<String, Long> e : moved.entrySet()) {
            if (e.getKey().startsWith("graylane_inbound_") || e.getKey().startsWith("graylane_outbound_")) {
                if (e.getValue() != 0 || expected.containsKey(e.getKey())) actual.put(e.getKey(), e.getValue());
            }
        }
        Map<String, Long> wanted = new TreeMap<>();
        expected.forEach((k, v) -> {
            if (v != 0 || moved.containsKey(k)) wanted.put(k, v);
        });
        for (String key : expected.keySet()) {
            assertTrue(moved.containsKey(key), () -> jvm + ": no sample " + key + " in the scrape");
        }
        assertEquals(wanted, actual, jvm + ": how far each counter moved");
    }

    // ---- the MBean ----

    private static void assertMBeanAgrees(AgentJvm jvm, String scrape) {
        Map<String, Long> samples = samples(scrape);
        List<Executable> checks = new ArrayList<>();
        try (JmxAttributes mbean = JmxAttributes.of(jvm, "graylane:type=Traffic")) {
            for (Map.Entry<String, Long> e : samples.entrySet()) {
                String attribute = attributeOf(e.getKey());
                if (attribute == null) {
                    continue;
                }
                long value = mbean.get(attribute);
                checks.add(() -> assertEquals(e.getValue(), value, jvm + ": MBean attribute " + attribute + " vs " + e.getKey()));
            }
        } catch (IOException e) {
            fail("closing the JMX connection to " + jvm, e);
        }
        assertTrue(checks.size() >= 8, "traffic samples compared: " + checks.size());
        assertAll(checks);
    }

    /** {@code graylane_inbound_requests_total{hook="servlet",source="header"}} -> {@code Inbound.servlet.header}, ... */
    private static String attributeOf(String sample) {
        String[] labels = sample.replaceAll("^[^{]*\\{|}$", "").split(",");
        String[] values = new String[labels.length];
        for (int i = 0; i < labels.length; i++) {
            values[i] = labels[i].replaceAll("^[a-z_]+=\"|\"$", "");
        }
        if (sample.startsWith("graylane_inbound_requests_total{")) {
            return "Inbound." + values[0] + "." + values[1];
        }
        if (sample.startsWith("graylane_inbound_rejected_total{")) {
            return "Rejected." + values[0];
        }
        if (sample.startsWith("graylane_outbound_calls_total{")) {
            return "Outbound." + values[0] + "." + values[1];
        }
        return null;
    }

    // ---- promtool ----

    static void promtoolAccepts(String scrape) throws Exception {
        Path promtool = promtool();
        Path file = Files.createTempFile("graylane-scrape", ".txt");
        try {
            Files.writeString(file, scrape);
            Process process = new ProcessBuilder(promtool.toString(), "check", "metrics")
                    .redirectInput(file.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
            assertEquals(0, process.exitValue(), "promtool check metrics rejected the scrape: " + output + "\n" + scrape);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Path promtool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("promtool not found on the PATH: install the Debian package 'prometheus' (apt-get install"
                + " prometheus; .ci/run does) so that the scrape is checked by Prometheus' own parser");
    }

    // ---- scraping ----

    private static void ok(Http.Response response) {
        assertEquals(200, response.status(), response::toString);
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        return SCRAPER.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The scrape's text; the endpoint binds on its own thread, so a refused connection is retried for a while. */
    static String scrape(int port) throws InterruptedException {
        long deadline = System.nanoTime() + SCRAPE_DEADLINE.toNanos();
        while (true) {
            try {
                HttpResponse<String> response = get(port, "/metrics");
                assertEquals(200, response.statusCode(), response::body);
                return response.body();
            } catch (IOException e) {
                if (System.nanoTime() - deadline > 0) {
                    return fail("GET http://127.0.0.1:" + port + "/metrics failed for " + SCRAPE_DEADLINE, e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Sample lines as {@code name{labels}} -> value. */
    static Map<String, Long> samples(String scrape) {
        Map<String, Long> samples = new LinkedHashMap<>();
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            samples.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
        }
        return samples;
    }

    private static Map<String, Long> moved(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> moved = new TreeMap<>();
        after.forEach((k, v) -> moved.put(k, v - before.getOrDefault(k, 0L)));
        return moved;
    }
}
