package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shadow write guard end to end: a primary front (agent, mirroring) and its candidate (agent,
 * {@code graylane.shadow.guard}) run the same order service ({@code /orders}: SQL on H2 and on a real PostgreSQL,
 * GET and POST to a backend) against the same databases and the same backend. The primary's calls all succeed; the
 * candidate's copies get their writes refused, in each client's own failure type, before anything is sent: the
 * databases hold exactly the primary's rows and the backend sees only the copies' reads.
 */
@ExtendWith(JvmLogTail.class)
class ShadowGuardIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String RUN = Long.toString(System.nanoTime(), 36);
    private static final String CREATE = "CREATE TABLE orders (request_id VARCHAR(200), method VARCHAR(10), touched INT)";
    /** The HTTP clients whose outbound hooks the guard covers, each used for one GET and one POST copy. */
    static final List<String> HTTP_CLIENTS = List.of(System.getProperty("graylane.it.guard.clients",
            "url-connection,java-http,java-http-async,okhttp,apache4,apache5").split(","));

    private static final List<AutoCloseable> RESOURCES = new ArrayList<>();
    private static Postgres postgres;
    private static Path h2Dir;
    private static String h2Url;
    private static AgentJvm backend;
    private static AgentJvm reviews;

    @BeforeAll
    static void databasesAndBackend() throws Exception {
        postgres = keep(Postgres.start());
        h2Dir = Files.createTempDirectory("graylane-h2-");
        // embedded H2 in each front; AUTO_SERVER lets the second JVM (and this one) reach the first one's database
        h2Url = "jdbc:h2:file:" + h2Dir.resolve("orders") + ";AUTO_SERVER=TRUE";
        backend = keep(SampleApps.backend("guard-backend", null).start());
        reviews = keep(SampleApps.reviews("guard-reviews", backend.url("")).start());
    }

    @AfterAll
    static void stopEverything() throws Exception {
        List<AutoCloseable> reversed = new ArrayList<>(RESOURCES);
        java.util.Collections.reverse(reversed);
        for (AutoCloseable resource : reversed) {
            try {
                resource.close();
            } catch (Exception e) {
                System.out.println("[guard] could not close " + resource + ": " + e);
            }
        }
        RESOURCES.clear();
        if (h2Dir != null) {
            try (Stream<Path> files = Files.walk(h2Dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static <T extends AutoCloseable> T keep(T resource) {
        RESOURCES.add(resource);
        return resource;
    }

    private static void recreateTables() throws Exception {
        for (String url : List.of(h2Url, postgres.url())) {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.execute("DROP TABLE IF EXISTS orders");
                s.execute(CREATE);
            }
        }
    }

    /** Starts the candidate (guard settings given) and the primary mirroring to it; both use both databases. */
    private static List<AgentJvm> primaryAndCandidate(String name, String... guardSettings) {
        String jdbc = h2Url + "," + postgres.url();
        String reviewsAddress = "127.0.0.1:" + reviews.port();
        AgentJvm.Builder candidate = SampleApps.front(name + "-candidate", backend.url(""), reviewsAddress)
                .systemProperty("front.jdbc", jdbc);
        for (int i = 0; i < guardSettings.length; i += 2) candidate.systemProperty(guardSettings[i], guardSettings[i + 1]);
        AgentJvm.Builder primary = SampleApps.front(name + "-primary", backend.url(""), reviewsAddress)
                .systemProperty("front.jdbc", jdbc)
                .systemProperty("graylane.mirror.enabled", "true")
                .systemProperty("graylane.mirror.target", candidate.baseUrl());
        List<AgentJvm> jvms = AgentJvm.startAll(candidate, primary);
        jvms.forEach(ShadowGuardIT::keep);
        return jvms;
    }

    @Test
    void writesModeStopsEveryWriteOfTheCopiesAndNothingOfThePrimary() throws Exception {
        recreateTables();
        int metricsPort = AgentJvm.freePort();
        List<AgentJvm> jvms = primaryAndCandidate("guard-writes", "graylane.shadow.guard", "writes",
                "graylane.metrics.port", Integer.toString(metricsPort));
        AgentJvm candidate = jvms.get(0);
        AgentJvm primary = jvms.get(1);

        Map<String, String> requests = new LinkedHashMap<>(); // request id -> client
        for (String client : HTTP_CLIENTS) {
            for (String method : List.of("GET", "POST")) {
                String id = "w-" + RUN + "-" + client + "-" + method;
                requests.put(id, client);
                JsonNode answer = order(primary, method, client, id);
                // the primary: every call goes through
                answer.fields().forEachRemaining(e -> assertTrue(e.getValue().asText().startsWith("ok"),
                        "the primary's " + e.getKey() + " failed: " + answer));
            }
        }

        Map<String, JsonNode> shadow = new TreeMap<>();
        for (String id : requests.keySet()) shadow.put(id, awaitResults(candidate, id));
        for (Map.Entry<String, JsonNode> e : shadow.entrySet()) {
            JsonNode r = e.getValue();
            String id = e.getKey();
            for (String db : List.of("h2", "postgres")) {
                assertTrue(r.path(db + ".count").asText().startsWith("ok "), id + " " + r);
                assertEquals("ok touched 1", r.path(db + ".query").asText(), "the copy reads the primary's row: " + id + " " + r);
                for (String write : List.of("insert", "update", "batch")) {
                    String outcome = r.path(db + "." + write).asText();
                    assertTrue(outcome.startsWith("SQLException: graylane: blocked SQL "), id + " " + db + "." + write + ": " + outcome);
                    assertTrue(outcome.contains("graylane.shadow.guard=writes"), outcome);
                }
            }
            if (requests.get(id).equals("none")) continue;
            assertTrue(r.path("http.get").asText().startsWith("ok"), "a GET of a copy goes through: " + id + " " + r);
            String post = r.path("http.post").asText();
            assertTrue(post.contains("graylane: blocked POST http://127.0.0.1:"), "the copy's POST: " + id + " " + r);
            assertTrue(post.startsWith("IOException") || post.contains("IOException"), "an IOException: " + id + " " + r);
        }

        // the databases hold exactly the primary's rows: per request one order, touched once, and two batch lines
        Map<String, Integer> expected = new TreeMap<>();
        for (String id : requests.keySet()) {
            expected.put(id, 1);
            expected.put(id + "/line-1", 0);
            expected.put(id + "/line-2", 0);
        }
        for (String url : List.of(h2Url, postgres.url())) {
            assertEquals(expected, rows(url), "rows in " + url);
        }
        // the backend saw every GET twice (primary and copy) and every POST once (the primary's)
        for (String id : requests.keySet()) {
            if (requests.get(id).equals("none")) continue;
            awaitCondition("the backend to log the copy's GET of " + id, () -> backendLines(id, "GET", true) == 1);
            assertEquals(1, backendLines(id, "GET", false), id);
            assertEquals(1, backendLines(id, "POST", false), id);
            assertEquals(0, backendLines(id, "POST", true), "no POST of a copy reached the backend: " + id);
        }
        // gRPC: Reviews/Get reads, Reviews/Later writes (not in graylane.shadow.read-methods)
        String getId = "w-" + RUN + "-grpc-get";
        String laterId = "w-" + RUN + "-grpc-later";
        assertEquals(200, get(primary, "/call/grpc", getId).statusCode());
        assertEquals(200, get(primary, "/call/grpc-later", laterId).statusCode(), "the primary's write goes through");
        String failed = "[front] /call/grpc-later x-request-id=" + laterId + " failed: ";
        String line = candidate.awaitLog("the copy's blocked gRPC call", l -> l.contains(failed), TIMEOUT).lines()
                .filter(l -> l.startsWith(failed)).findFirst().orElseThrow();
        assertTrue(line.contains("io.grpc.StatusRuntimeException: PERMISSION_DENIED: graylane: blocked gRPC call "
                + "graylane.samples.Reviews/Later of a shadow copy"), line);
        awaitCondition("reviews to serve the copy's Get", () -> reviewsLines(getId, "Get", true) == 1);
        assertEquals(1, reviewsLines(getId, "Get", false));
        assertEquals(1, reviewsLines(laterId, "Later", false), "the primary's Later");
        assertEquals(0, reviewsLines(laterId, "Later", true), "no Later of a copy reached reviews");
        assertTrue(candidate.log().lines().noneMatch(l -> l.contains("x-request-id=" + getId + " failed")), "the Get copy went through");

        Map<String, Long> counters = guardCounters(candidate);
        int n = requests.size();
        long posts = requests.values().stream().filter(c -> !c.equals("none")).count();
        assertEquals(n * 6L, counters.get("JdbcBlocked"), "two databases, three writes: " + counters);
        assertTrue(counters.get("JdbcAllowed") >= n * 4L, "two databases, two reads: " + counters);
        assertEquals(posts, counters.get("HttpBlocked"), counters.toString());
        assertEquals(1, counters.get("GrpcBlocked"), counters.toString());
        assertEquals(1, counters.get("GrpcAllowed"), counters.toString());
        assertEquals(n * 6L + posts + 1, counters.get("Blocked"), counters.toString());
        assertTrue(candidate.log().contains("[graylane] WARN shadow guard: blocked"), "the first block is logged");
        System.out.println("[guard] writes: " + n + " copies, counters " + counters);
        // the metrics endpoint shows the same counters, in a scrape Prometheus' own parser accepts
        String scrape = MetricsIT.scrape(metricsPort);
        Map<String, Long> samples = MetricsIT.samples(scrape);
        Map<String, Long> after = guardCounters(candidate); // a copy's last reads may still be counting
        for (String kind : List.of("http", "grpc", "dubbo", "jdbc")) {
            String mbean = Character.toUpperCase(kind.charAt(0)) + kind.substring(1);
            for (String outcome : List.of("blocked", "allowed")) {
                String attribute = mbean + Character.toUpperCase(outcome.charAt(0)) + outcome.substring(1);
                Long sample = samples.get("graylane_shadow_guard_calls_total{kind=\"" + kind + "\",outcome=\"" + outcome
                        + "\"}");
                assertTrue(sample != null && sample >= counters.get(attribute) && sample <= after.get(attribute),
                        attribute + ": MBean " + counters.get(attribute) + " then " + after.get(attribute) + ", scrape "
                                + sample + " in " + scrape);
            }
        }
        MetricsIT.promtoolAccepts(scrape);
    }

    @Test
    void allModeBlocksReadsTooExceptWhatTheAllowListNames() throws Exception {
        recreateTables();
        List<AgentJvm> jvms = primaryAndCandidate("guard-all", "graylane.shadow.guard", "all",
                "graylane.shadow.allow", backend.url("/echo") + ", grpc:graylane.samples.Reviews/Get");
        AgentJvm candidate = jvms.get(0);
        AgentJvm primary = jvms.get(1);
        List<String> ids = new ArrayList<>();
        for (String method : List.of("GET", "POST")) {
            String id = "a-" + RUN + "-" + method;
            ids.add(id);
            JsonNode answer = order(primary, method, "okhttp", id);
            answer.fields().forEachRemaining(e -> assertTrue(e.getValue().asText().startsWith("ok"),
                    "the primary's " + e.getKey() + " failed: " + answer));
        }
        for (String id : ids) {
            JsonNode r = awaitResults(candidate, id);
            for (String db : List.of("h2", "postgres")) {
                for (String step : List.of("count", "insert", "update", "batch", "query")) {
                    String outcome = r.path(db + "." + step).asText();
                    assertTrue(outcome.startsWith("SQLException: graylane: blocked SQL ")
                            && outcome.contains("graylane.shadow.guard=all"), "reads are blocked too: " + db + "." + step + ": " + r);
                }
            }
            assertTrue(r.path("http.get").asText().startsWith("ok"), "allowed: " + r);
            assertTrue(r.path("http.post").asText().startsWith("ok"), "allowed, though a write: " + r);
            awaitCondition("the backend to log the copy's POST of " + id, () -> backendLines(id, "POST", true) == 1);
        }
        Map<String, Integer> expected = new TreeMap<>();
        for (String id : ids) {
            expected.put(id, 1);
            expected.put(id + "/line-1", 0);
            expected.put(id + "/line-2", 0);
        }
        for (String url : List.of(h2Url, postgres.url())) {
            assertEquals(expected, rows(url), "rows in " + url);
        }
        String getId = "a-" + RUN + "-grpc-get";
        String laterId = "a-" + RUN + "-grpc-later";
        assertEquals(200, get(primary, "/call/grpc", getId).statusCode());
        assertEquals(200, get(primary, "/call/grpc-later", laterId).statusCode());
        candidate.awaitLog("the copy's blocked Later", l -> l.contains("x-request-id=" + laterId + " failed: "
                + "io.grpc.StatusRuntimeException: PERMISSION_DENIED: graylane: blocked gRPC call"), TIMEOUT);
        awaitCondition("reviews to serve the copy's Get", () -> reviewsLines(getId, "Get", true) == 1);
        Map<String, Long> counters = guardCounters(candidate);
        assertEquals(ids.size() * 10L + 1, counters.get("Blocked"), counters.toString());
        System.out.println("[guard] all + allow list: counters " + counters);
    }

    /** Spring Boot 4 (Reactor Netty 1.3.6) and 2.7 (Reactor Netty 1.0.39, the oldest line supported). */
    @ParameterizedTest
    @ValueSource(strings = {"boot4", "boot2"})
    void reactorNettyCopiesAreStoppedBeforeConnecting(String boot) throws Exception {
        // the candidate: the WebFlux sample, guard all (its /echo GETs the backend); the primary: a backend mirroring to it
        AgentJvm.Builder candidateB = (boot.equals("boot4")
                ? SampleApps.webflux("guard-webflux-" + boot, backend.url(""))
                : SampleApps.webfluxBoot2("guard-webflux-" + boot, backend.url("")))
                .systemProperty("graylane.shadow.guard", "all");
        AgentJvm.Builder primaryB = SampleApps.backend("guard-webflux-primary-" + boot, null)
                // Spring Boot 2.7's WebFlux answers 400 to the Host 127.0.0.1-shadow:PORT (an IP address with a suffix)
                .systemProperty("graylane.mirror.host-suffix", "")
                .systemProperty("graylane.mirror.enabled", "true")
                .systemProperty("graylane.mirror.target", candidateB.baseUrl());
        List<AgentJvm> jvms = AgentJvm.startAll(candidateB, primaryB);
        jvms.forEach(ShadowGuardIT::keep);
        AgentJvm candidate = jvms.get(0);
        AgentJvm primary = jvms.get(1);
        for (String client : List.of("webclient", "httpclient")) {
            String copyId = "r-" + RUN + "-" + boot + "-" + client + "-copy";
            assertEquals(200, get(primary, "/echo?client=" + client, copyId).statusCode());
            String failed = "[webflux] /echo x-request-id=" + copyId + " failed: ";
            String line = candidate.awaitLog("the copy's blocked call", l -> l.contains(failed), TIMEOUT).lines()
                    .filter(l -> l.startsWith(failed)).findFirst().orElseThrow();
            assertTrue(line.contains("graylane: blocked GET http://127.0.0.1:" + backend.port() + "/echo of a shadow copy"), line);
            // the same call of a request that is not a copy goes through
            String directId = "r-" + RUN + "-" + boot + "-" + client + "-direct";
            HttpResponse<String> direct = get(candidate, "/echo?client=" + client, directId);
            assertEquals(200, direct.statusCode(), direct.body());
            assertEquals(1, backendLines(directId, "GET", false));
            assertEquals(0, backendLines(copyId, "GET", true), "no call of the copy reached the backend");
        }
        Map<String, Long> counters = guardCounters(candidate);
        assertEquals(2, counters.get("HttpBlocked"), counters.toString());
        System.out.println("[guard] reactor netty " + boot + ": counters " + counters);
    }

    /** Dubbo 3.3 (the consumer's cluster invoker is checked) and 2.7 (a direct reference: the protocol invoker). */
    @ParameterizedTest
    @ValueSource(strings = {"33", "27"})
    void dubboConsumerCopiesMayReadButNotWrite(String line) throws Exception {
        AgentJvm.Builder ratingsB = line.equals("33")
                ? SampleApps.ratings("guard-ratings-" + line, backend.url(""), "dubbo", null)
                : SampleApps.ratingsOn(line, "guard-ratings-" + line, backend.url(""), "dubbo");
        AgentJvm ratings = keep(ratingsB.start());
        String target = "r=" + SampleApps.directUrl("dubbo", ratingsB);
        AgentJvm.Builder candidateB = (line.equals("33")
                ? SampleApps.dubboFront("guard-dubbo-candidate-" + line, backend.url(""), target).jvmOptions(SampleApps.DUBBO_OPENS)
                : SampleApps.dubboFrontOn(line, "guard-dubbo-candidate-" + line, backend.url(""), target))
                .systemProperty("graylane.shadow.guard", "writes");
        AgentJvm.Builder primaryB = (line.equals("33")
                ? SampleApps.dubboFront("guard-dubbo-primary-" + line, backend.url(""), target).jvmOptions(SampleApps.DUBBO_OPENS)
                : SampleApps.dubboFrontOn(line, "guard-dubbo-primary-" + line, backend.url(""), target))
                .systemProperty("graylane.mirror.enabled", "true")
                .systemProperty("graylane.mirror.target", candidateB.baseUrl());
        List<AgentJvm> jvms = AgentJvm.startAll(candidateB, primaryB);
        jvms.forEach(ShadowGuardIT::keep);
        AgentJvm candidate = jvms.get(0);
        AgentJvm primary = jvms.get(1);

        String getId = "d-" + RUN + "-" + line + "-get";
        String rateId = "d-" + RUN + "-" + line + "-rate";
        assertEquals(200, get(primary, "/call/r?mode=get", getId).statusCode());
        assertEquals(200, get(primary, "/call/r?mode=sync", rateId).statusCode(), "the primary's rate goes through");
        String failed = "[dubbo-front] /call/r x-request-id=" + rateId + " failed: ";
        String failure = candidate.awaitLog("the copy's blocked Dubbo call", l -> l.contains(failed), TIMEOUT).lines()
                .filter(l -> l.startsWith(failed)).findFirst().orElseThrow();
        assertTrue(failure.contains("org.apache.dubbo.rpc.RpcException: graylane: blocked Dubbo call "
                + "io.graylane.samples.Ratings#rate of a shadow copy"), failure);
        awaitCondition("ratings to serve the copy's getRating", () -> ratingsLines(ratings, getId, "get", true) == 1);
        assertEquals(1, ratingsLines(ratings, getId, "get", false));
        assertEquals(1, ratingsLines(ratings, rateId, "sync", false), "the primary's rate");
        assertEquals(0, ratingsLines(ratings, rateId, "sync", true), "no rate of a copy reached ratings");
        Map<String, Long> counters = guardCounters(candidate);
        assertEquals(1, counters.get("DubboBlocked"), counters.toString());
        assertEquals(1, counters.get("DubboAllowed"), "checked once, though two invokers ran: " + counters);
        System.out.println("[guard] dubbo " + line + ": counters " + counters);
    }

    private static long ratingsLines(AgentJvm ratings, String id, String item, boolean shadow) {
        return ratings.log().lines().filter(l -> l.startsWith("[ratings] " + item + " attachments=")
                && l.contains("\"x-request-id\":[\"" + id + "\"]") && l.contains("x-graylane-mirror") == shadow).count();
    }

    // ---- helpers ----

    private static JsonNode order(AgentJvm jvm, String method, String client, String id) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(jvm.url("/orders?client=" + client)))
                .timeout(TIMEOUT).header("x-request-id", id);
        request = method.equals("GET") ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString("order " + id));
        HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    /** The results line the candidate logged for the copy of {@code id}. */
    private static JsonNode awaitResults(AgentJvm candidate, String id) throws Exception {
        String marker = "[front] orders x-request-id=" + id + " results ";
        String log = candidate.awaitLog("the copy of " + id, l -> l.contains(marker), TIMEOUT);
        String line = log.lines().filter(l -> l.startsWith(marker)).findFirst().orElseThrow();
        return JSON.readTree(line.substring(marker.length()));
    }

    private static HttpResponse<String> get(AgentJvm jvm, String path, String id) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(jvm.url(path))).timeout(TIMEOUT).header("x-request-id", id)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long reviewsLines(String id, String method, boolean shadow) {
        return reviews.log().lines().filter(l -> l.startsWith("[reviews] grpc graylane.samples.Reviews/" + method + " ")
                && l.contains("x-request-id=" + id + " ") && l.contains("shadow-copy") == shadow).count();
    }

    private static long backendLines(String id, String method, boolean shadow) {
        return backend.log().lines().filter(l -> l.startsWith("[backend] " + method + " /echo ")
                && l.contains("x-request-id=" + id + " ") && l.contains("shadow-copy") == shadow).count();
    }

    private static Map<String, Integer> rows(String url) throws Exception {
        Map<String, Integer> rows = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT request_id, touched FROM orders")) {
            while (rs.next()) {
                Integer previous = rows.put(rs.getString(1), rs.getInt(2));
                if (previous != null) fail("two rows for " + rs.getString(1) + " in " + url);
            }
        }
        return rows;
    }

    private static Map<String, Long> guardCounters(AgentJvm jvm) throws Exception {
        try (JmxAttributes guard = JmxAttributes.of(jvm, "graylane:type=ShadowGuard")) {
            Map<String, Long> values = new LinkedHashMap<>();
            for (String a : List.of("Blocked", "Allowed", "HttpBlocked", "HttpAllowed", "JdbcBlocked", "JdbcAllowed",
                    "GrpcBlocked", "GrpcAllowed", "DubboBlocked", "DubboAllowed")) {
                values.put(a, guard.get(a));
            }
            return values;
        }
    }

    private static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out after " + TIMEOUT + " waiting for " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }
}
