package io.graylane.it;

import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Shadow copies end to end: sample services with the real agent in their own JVMs, mirroring to a real HTTP target
 * in this JVM ({@link MirrorTarget}) that records what arrives. The copies must be exactly the selected requests,
 * with byte-identical bodies and the specified headers; requests whose body cannot be copied exactly are skipped and
 * counted, never sent truncated; selection is a stable function of the request id; a refusing, silent, failing or
 * slow target never fails or slows the primary, and a full queue drops copies instead of holding them.
 */
@ExtendWith(JvmLogTail.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MirrorIT {

    private static final String MARKER = "x-graylane-mirror";
    private static final int POSTS = Integer.getInteger("graylane.it.mirror.posts", 200);
    private static final int GETS = Integer.getInteger("graylane.it.mirror.gets", 50);
    private static final int SAMPLED = Integer.getInteger("graylane.it.mirror.sampled", 2_000);
    private static final int FAULT_REQUESTS = Integer.getInteger("graylane.it.mirror.fault-requests", 2_000);
    private static final int MAX_BODY = 5 * 1024 * 1024;
    private static final int LARGEST = 4 * 1024 * 1024;
    /** Body sizes the POSTs start with: edges of buffers and of the default limit, up to 4 MiB; the rest are small. */
    private static final int[] SIZES = {0, 1, 2, 17, 100, 1_000, 4_095, 4_096, 4_097, 8_191, 8_192, 8_193, 16_384,
            65_535, 65_536, 65_537, 100_000, 262_144, 1_000_000, 1_048_575, 1_048_576, 1_048_577, 2_000_000, 3_000_000,
            LARGEST};
    private static final int CLIENT_THREADS = 4;
    private static final Duration ARRIVAL_TIMEOUT = Duration.ofSeconds(180);
    /** A run id in every request id, so copies of readiness probes or other runs never count. */
    private static final String RUN = Long.toString(System.nanoTime(), 36);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    /** Started by the first test that needs them, stopped at the end. */
    private static final List<AutoCloseable> RESOURCES = new ArrayList<>();
    private static MirrorTarget target;
    private static AgentJvm front;
    private static MirrorCounters frontCounters;

    @AfterAll
    static void stopEverything() {
        Collections.reverse(RESOURCES);
        for (AutoCloseable resource : RESOURCES) {
            try {
                resource.close();
            } catch (Exception e) {
                System.out.println("[mirror] could not close " + resource + ": " + e);
            }
        }
        RESOURCES.clear();
    }

    private static <T extends AutoCloseable> T keep(T resource) {
        RESOURCES.add(resource);
        return resource;
    }

    private static MirrorTarget newTarget(String name) {
        try {
            return keep(new MirrorTarget(name));
        } catch (IOException e) {
            return fail("cannot start the mirror target " + name, e);
        }
    }

    /** A front with the agent, its lane {@code front-lane}, mirroring to {@code mirrorTarget} (null: mirroring off). */
    private static AgentJvm.Builder frontMirroringTo(String name, MirrorTarget mirrorTarget, String... mirrorSettings) {
        // its backend is never called by these tests
        AgentJvm.Builder builder = SampleApps.front(name, "http://127.0.0.1:9").env("ASM_TRAFFIC_TAG", FRONT_LANE);
        if (mirrorTarget != null) {
            builder.systemProperty("graylane.mirror.enabled", "true")
                    .systemProperty("graylane.mirror.target", mirrorTarget.url());
        }
        for (int i = 0; i < mirrorSettings.length; i += 2) builder.systemProperty(mirrorSettings[i], mirrorSettings[i + 1]);
        return builder;
    }

    /** The front of the first two tests: 100%, bodies up to 5 MiB, authorization and cookie excluded. */
    private static synchronized AgentJvm front() {
        if (front == null) {
            target = newTarget("target");
            front = keep(frontMirroringTo("mirror-front", target,
                    "graylane.mirror.max-body-bytes", Integer.toString(MAX_BODY),
                    "graylane.mirror.exclude-headers", "authorization,cookie")
                    .systemProperty("graylane.mirror.queue-capacity", "4096")
                    // room for a few 4 MiB bodies in flight beside the front's own
                    .start());
            frontCounters = keep(MirrorCounters.of(front));
        }
        return front;
    }

    // ---- 1. exactly the selected requests, exact bodies, specified headers ----

    /** One POST of the first test: where it goes and how its body is sent and read. */
    private record Post(int index, String method, String path, byte[] body, boolean chunked, String label) {
        String requestId() {
            return "post-" + RUN + "-" + index;
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void theTargetReceivesExactlyTheSelectedRequestsWithExactBodiesAndTheSpecifiedHeaders() throws Exception {
        AgentJvm app = front();
        long started = System.nanoTime();
        Random random = new Random(42);
        List<Post> posts = new ArrayList<>();
        for (int i = 0; i < POSTS; i++) {
            int size = i < SIZES.length ? SIZES[i] : random.nextInt(20_000);
            String label = i % 3 == 0 ? "dev-x" : null;
            // stream (Content-Length), reader, chunked, read in an async task, PUT
            Post post = switch (i % 5) {
                case 0 -> new Post(i, "POST", "/body", body(i, size, random, true), false, label);
                case 1 -> new Post(i, "POST", "/body/reader", body(i, size, random, false), false, label);
                case 2 -> new Post(i, "POST", "/body", body(i, size, random, true), true, label);
                case 3 -> new Post(i, "POST", "/body/async", body(i, size, random, true), false, label);
                default -> new Post(i, "PUT", "/body", body(i, size, random, true), false, label);
            };
            posts.add(post);
        }

        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<Callable<Void>> calls = new ArrayList<>();
        for (Post post : posts) {
            calls.add(() -> {
                HttpRequest.BodyPublisher publisher = post.chunked()
                        ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(post.body()))
                        : HttpRequest.BodyPublishers.ofByteArray(post.body());
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.url(post.path())))
                        .timeout(Duration.ofSeconds(60))
                        .method(post.method(), publisher)
                        .header("content-type", "application/json; charset=UTF-8")
                        .header(REQUEST_ID, post.requestId())
                        .header("authorization", "Bearer secret-" + post.index())
                        .header("cookie", "session=" + post.index())
                        .header("x-custom", "v-" + post.index())
                        .header("x-multi", "a")
                        .header("x-multi", "b");
                if (post.label() != null) request.header(LABEL, post.label());
                HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
                JsonNode json = response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
                if (json == null || json.path("bytes").asLong() != post.body().length
                        || !json.path("sha256").asText().equals(sha256(post.body()))) {
                    problems.add(post.requestId() + " " + post.path() + ": " + response.statusCode() + " " + response.body());
                }
                return null;
            });
        }
        for (int i = 0; i < GETS; i++) {
            String id = "get-" + RUN + "-" + i;
            int n = i;
            calls.add(() -> {
                HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(
                                URI.create(app.url("/body?g=" + n + "&path=%2Fa%20b")))
                        .timeout(Duration.ofSeconds(60)).header(REQUEST_ID, id).header("x-custom", "get-" + n)
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) problems.add(id + ": " + response.statusCode() + " " + response.body());
                return null;
            });
        }
        runAll(calls);
        assertEquals(List.of(), problems, "primary requests that failed or read another body");

        Set<String> expected = new TreeSet<>();
        posts.forEach(p -> expected.add(p.requestId()));
        for (int i = 0; i < GETS; i++) expected.add("get-" + RUN + "-" + i);
        awaitCopies(target, expected, frontCounters);

        Map<String, List<MirrorTarget.Received>> byId = target.received(r -> r.requestId() != null
                && r.requestId().contains(RUN)).stream().collect(Collectors.groupingBy(MirrorTarget.Received::requestId));
        assertEquals(expected, new TreeSet<>(byId.keySet()), "the target received copies of exactly the selected requests");
        // two senders, each with one kept-alive connection (a new one only after 10 s without copies)
        assertTrue(target.accepted() <= 8, target.accepted() + " connections for " + expected.size() + " copies");
        String host = "127.0.0.1-shadow:" + app.port();
        long largest = 0;
        for (Post post : posts) {
            List<MirrorTarget.Received> copies = byId.get(post.requestId());
            assertEquals(1, copies.size(), post.requestId() + " was copied once: " + copies);
            MirrorTarget.Received copy = copies.get(0);
            String what = post.requestId() + " (" + post.method() + " " + post.path() + ", " + post.body().length
                    + " bytes" + (post.chunked() ? ", chunked" : "") + ")";
            assertEquals(post.method(), copy.method(), what);
            assertEquals(post.path(), copy.target(), what);
            assertEquals(post.body().length, copy.bodyLength(), what + ": body length");
            assertEquals(sha256(post.body()), copy.sha256(), what + ": body SHA-256");
            assertFalse(copy.chunked(), what + " is sent with a Content-Length");
            assertEquals(List.of(Integer.toString(post.body().length)), copy.header("content-length"), what);
            assertCommonHeaders(copy, host, post.label() == null ? FRONT_LANE : post.label(), what);
            assertEquals(List.of("v-" + post.index()), copy.header("x-custom"), what);
            assertEquals(List.of("a", "b"), copy.header("x-multi"), what);
            // as the container reports it: Jetty writes the charset of well-known types in lower case
            assertEquals(1, copy.header("content-type").size(), what);
            assertTrue(copy.header("content-type").get(0).equalsIgnoreCase("application/json; charset=UTF-8"), what);
            largest = Math.max(largest, copy.bodyLength());
        }
        for (int i = 0; i < GETS; i++) {
            MirrorTarget.Received copy = byId.get("get-" + RUN + "-" + i).get(0);
            String what = "GET " + i;
            assertEquals("GET", copy.method(), what);
            assertEquals("/body?g=" + i + "&path=%2Fa%20b", copy.target(), what + ": the raw query");
            assertEquals(0, copy.bodyLength(), what);
            // the framing the request arrived with: none, or Content-Length: 0 (java.net.http on JDK 17 sends one on GET)
            assertTrue(List.of(List.of(), List.of("0")).contains(copy.header("content-length")), what + ": "
                    + copy.header("content-length"));
            assertCommonHeaders(copy, host, FRONT_LANE, what);
            assertEquals(List.of("get-" + i), copy.header("x-custom"), what);
        }
        assertEquals(LARGEST, largest, "the largest body mirrored");
        System.out.printf("[mirror] %d POSTs (0 to %d bytes: stream, reader, chunked, async, PUT) and %d GETs: every copy "
                        + "arrived once, byte-identical, over %d connections; largest body mirrored %d bytes; %.1f s; front counters %s%n",
                POSTS, LARGEST, GETS, target.accepted(), largest, (System.nanoTime() - started) / 1e9, frontCounters.all());
    }

    private static void assertCommonHeaders(MirrorTarget.Received copy, String host, String label, String what) {
        assertEquals(List.of(host), copy.header("host"), what + ": Host gets -shadow on its host name");
        assertEquals(List.of("1"), copy.header(MARKER), what + ": the shadow marker");
        assertEquals(List.of(label), copy.header(LABEL), what + ": the label");
        assertEquals(List.of(), copy.header("authorization"), what + ": excluded header");
        assertEquals(List.of(), copy.header("cookie"), what + ": excluded header");
        assertEquals(List.of(), copy.header("transfer-encoding"), what);
        assertEquals(List.of(), copy.header("upgrade"), what + ": hop-by-hop");
        assertEquals(List.of(), copy.header("connection"), what + ": hop-by-hop, the copy has its own connection");
    }

    /** A distinct JSON body of exactly {@code size} bytes (shorter ones are a prefix of one); some non-ASCII UTF-8. */
    private static byte[] body(int index, int size, Random random, boolean nonAscii) {
        StringBuilder text = new StringBuilder("{\"id\":\"post-").append(index).append("\",\"pad\":\"");
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        int budget = size - text.length() - 2;
        int used = 0;
        StringBuilder pad = new StringBuilder();
        while (used < budget) {
            if (nonAscii && budget - used >= 2 && random.nextInt(50) == 0) {
                pad.append('é');
                used += 2;
            } else {
                pad.append(alphabet.charAt(random.nextInt(alphabet.length())));
                used++;
            }
        }
        byte[] bytes = text.append(pad).append("\"}").toString().getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(bytes, size);
    }

    // ---- 2. forms, and bodies that cannot be copied exactly ----

    @Test
    @Order(2)
    void formsAreRebuiltAndBodiesNotReadCompletelyAreSkippedAndCountedNeverTruncated() throws Exception {
        AgentJvm app = front();
        awaitCondition("the front's counters to settle", frontCounters::settled);
        long skippedBefore = frontCounters.get("Skipped");

        String form = "a=1&b=x+y&c=%C3%A9";
        String formId = "form-" + RUN;
        HttpResponse<String> formAnswer = send(HttpRequest.newBuilder(URI.create(app.url("/form?q=1&a=0")))
                .header(REQUEST_ID, formId).header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
        assertEquals(200, formAnswer.statusCode(), formAnswer.body());
        JsonNode parameters = JSON.readTree(formAnswer.body()).path("parameters");
        assertEquals("[\"0\",\"1\"]", parameters.path("a").toString(), "query values first: " + formAnswer.body());
        assertEquals("é", parameters.path("c").get(0).asText(), formAnswer.body());

        byte[] kilobytes = new byte[10_000];
        Arrays.fill(kilobytes, (byte) 'k');
        byte[] tooBig = new byte[MAX_BODY + 1];
        new Random(7).nextBytes(tooBig);
        Map<String, HttpRequest> notCopied = new HashMap<>();
        notCopied.put("ignored", post(app, "/ignore-body", kilobytes, false).header(REQUEST_ID, "skip-ignored-" + RUN).build());
        notCopied.put("partly read", post(app, "/body?max=100", kilobytes, false).header(REQUEST_ID, "skip-partly-" + RUN).build());
        notCopied.put("partly read, chunked", post(app, "/body?max=100", kilobytes, true)
                .header(REQUEST_ID, "skip-chunked-" + RUN).build());
        notCopied.put("over max-body-bytes", post(app, "/body", tooBig, false).header(REQUEST_ID, "skip-big-" + RUN).build());
        for (Map.Entry<String, HttpRequest> request : notCopied.entrySet()) {
            HttpResponse<String> response = send(request.getValue());
            assertEquals(200, response.statusCode(), request.getKey() + ": " + response.body());
            if (request.getKey().equals("over max-body-bytes")) {
                assertEquals(sha256(tooBig), JSON.readTree(response.body()).path("sha256").asText(),
                        "the primary still reads its whole body");
            }
        }
        HttpResponse<String> shadow = send(HttpRequest.newBuilder(URI.create(app.url("/body")))
                .header(REQUEST_ID, "marked-" + RUN).header(MARKER, "1").GET().build());
        assertEquals(200, shadow.statusCode());
        // an h2c upgrade offer (java.net.http makes one by default) the server declines is a plain request; a
        // WebSocket handshake is not copied
        String h2cId = "h2c-" + RUN;
        assertTrue(rawGet(app, h2cId, "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c",
                "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA").startsWith("HTTP/1.1 200"));
        assertTrue(rawGet(app, "skip-websocket-" + RUN, "Connection: Upgrade", "Upgrade: websocket",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13").startsWith("HTTP/1.1"));

        awaitCopies(target, Set.of(formId, h2cId), frontCounters);
        MirrorTarget.Received h2c = target.received(r -> h2cId.equals(r.requestId())).get(0);
        assertEquals(List.of(), h2c.header("upgrade"), "hop-by-hop: " + h2c);
        assertEquals(List.of(), h2c.header("http2-settings"), "hop-by-hop: " + h2c);
        assertEquals(List.of(), h2c.header("connection"), "hop-by-hop: " + h2c);
        MirrorTarget.Received copy = target.received(r -> formId.equals(r.requestId())).get(0);
        assertEquals("/form?q=1&a=0", copy.target());
        assertEquals(sha256(form.getBytes(StandardCharsets.US_ASCII)), copy.sha256(),
                "the form body rebuilt from the parameters that did not come from the query");
        assertEquals(List.of(Integer.toString(form.length())), copy.header("content-length"));
        assertEquals(skippedBefore + notCopied.size() + 1, frontCounters.get("Skipped"),
                "skipped and counted: " + notCopied.keySet() + " and the WebSocket handshake; counters " + frontCounters.all());
        List<String> leaked = target.received(r -> r.requestId() != null
                        && (r.requestId().startsWith("skip-") || r.requestId().startsWith("marked-")))
                .stream().map(MirrorTarget.Received::requestId).toList();
        assertEquals(List.of(), leaked, "requests that must not be copied (skipped, or shadow copies themselves)");
        System.out.printf("[mirror] form rebuilt exactly; h2c offer copied without its upgrade headers; %d requests skipped"
                + " and counted, none truncated: %s and a WebSocket handshake%n", notCopied.size() + 1, notCopied.keySet());
    }

    /** GET /body over a plain socket, with header lines java.net.http refuses to send; returns the status line. */
    private static String rawGet(AgentJvm app, String requestId, String... headerLines) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(30_000);
            String request = "GET /body HTTP/1.1\r\nHost: 127.0.0.1:" + app.port() + "\r\n" + REQUEST_ID + ": " + requestId
                    + "\r\n" + String.join("\r\n", headerLines) + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) break;
                head.append((char) b);
            }
            return head.toString();
        }
    }

    private static HttpRequest.Builder post(AgentJvm app, String path, byte[] body, boolean chunked) {
        return HttpRequest.newBuilder(URI.create(app.url(path))).timeout(Duration.ofSeconds(60))
                .header("content-type", "application/octet-stream")
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body));
    }

    // ---- 3. percentage, stable per request id ----

    @Test
    @Order(3)
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aPercentageSelectsAStableShareByRequestId() throws Exception {
        MirrorTarget sampledTarget = newTarget("sampled-target");
        AgentJvm sampled = keep(frontMirroringTo("mirror-front-25", sampledTarget,
                "graylane.mirror.percentage", "25", "graylane.mirror.label", "shadow-lane").start());
        MirrorCounters counters = keep(MirrorCounters.of(sampled));

        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SAMPLED; i++) ids.add("s-" + RUN + "-" + i);
        runAll(getsWithIds(sampled, ids));
        Set<String> expected = ids.stream().filter(id -> selected(id, 25)).collect(Collectors.toCollection(TreeSet::new));
        awaitCopies(sampledTarget, expected, counters);
        Map<String, Long> first = countsById(sampledTarget);
        assertEquals(expected, first.keySet(), "copied: exactly the ids the documented hash selects");
        double share = 100.0 * first.size() / SAMPLED;
        assertTrue(share >= 20 && share <= 30, "25% configured, " + share + "% mirrored");

        List<String> again = ids.subList(0, Math.min(200, ids.size()));
        runAll(getsWithIds(sampled, again));
        Set<String> expectedAgain = again.stream().filter(expected::contains).collect(Collectors.toSet());
        awaitCondition("the repeated ids to be copied again", () -> countsById(sampledTarget).entrySet().stream()
                .filter(e -> expectedAgain.contains(e.getKey())).allMatch(e -> e.getValue() == 2));
        awaitCondition("the counters to settle", counters::settled);
        Map<String, Long> second = countsById(sampledTarget);
        for (String id : again) {
            assertEquals(expected.contains(id) ? 2L : 0L, second.getOrDefault(id, 0L), id + ": the same decision twice");
        }
        for (MirrorTarget.Received copy : sampledTarget.received(r -> r.requestId() != null && r.requestId().contains(RUN))) {
            assertEquals(List.of("shadow-lane"), copy.header(LABEL), "graylane.mirror.label replaces the label");
        }
        System.out.printf("[mirror] percentage 25: %d of %d requests mirrored (%.1f%%), exactly the ids the hash selects;"
                + " %d ids sent again got the same decision%n", first.size(), SAMPLED, share, again.size());
    }

    private static List<Callable<Void>> getsWithIds(AgentJvm app, List<String> ids) {
        List<Callable<Void>> calls = new ArrayList<>();
        for (String id : ids) {
            calls.add(() -> {
                HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(app.url("/body")))
                        .header(REQUEST_ID, id).GET().build());
                assertEquals(200, response.statusCode(), response.body());
                return null;
            });
        }
        return calls;
    }

    private static Map<String, Long> countsById(MirrorTarget t) {
        return t.received(r -> r.requestId() != null && r.requestId().contains(RUN)).stream()
                .collect(Collectors.groupingBy(MirrorTarget.Received::requestId, Collectors.counting()));
    }

    /** The documented selection rule, written independently: FNV-1a 64 over UTF-8, fmix64, top 53 bits vs percentage. */
    static boolean selected(String key, double percentage) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (h >>> 11) < (long) Math.ceil(percentage / 100 * 9007199254740992.0);
    }

    // ---- 4. the marker travels down a shadow chain ----

    @Test
    @Order(4)
    void aCopyArrivingAtAnotherServiceWithTheAgentCarriesTheMarkerToItsOwnCalls() throws Exception {
        MirrorTarget leaf = newTarget("leaf");
        // backend b2 (javax, agent) receives the copies of backend b1 (javax, agent); both call the leaf
        AgentJvm.Builder b2Builder = SampleApps.backend("mirror-backend-b2", leaf.url()).env("ASM_TRAFFIC_TAG", "b2-lane");
        AgentJvm.Builder b1Builder = SampleApps.backend("mirror-backend-b1", leaf.url()).env("ASM_TRAFFIC_TAG", "b1-lane")
                .systemProperty("graylane.mirror.enabled", "true")
                .systemProperty("graylane.mirror.target", b2Builder.baseUrl());
        List<AgentJvm> backends = AgentJvm.startAll(b2Builder, b1Builder);
        AgentJvm b2 = keep(backends.get(0));
        AgentJvm b1 = keep(backends.get(1));

        String id = "chain-" + RUN;
        byte[] body = new byte[12_345];
        new Random(3).nextBytes(body);
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(b1.url("/echo")))
                .header(REQUEST_ID, id).header(LABEL, "dev-y").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertEquals(200, response.statusCode(), response.body());

        awaitCondition("the leaf to be called by b1 and by b2's shadow copy",
                () -> leaf.received(r -> id.equals(r.requestId())).size() >= 2);
        List<MirrorTarget.Received> calls = leaf.received(r -> id.equals(r.requestId()));
        assertEquals(2, calls.size(), "one call from the primary, one from the copy: " + calls);
        List<List<String>> markers = calls.stream().map(c -> c.header(MARKER)).sorted(
                (a, b) -> Integer.compare(a.size(), b.size())).toList();
        assertEquals(List.of(List.of(), List.of("1")), markers, "only the copy's outbound call carries the marker");
        for (MirrorTarget.Received call : calls) assertEquals(List.of("dev-y"), call.header(LABEL), "the label travels too");
        String shadowLine = b2.awaitLog("b2 reading the copy's body", log -> log.contains("x-request-id=" + id + " (shadow copy)"),
                        Duration.ofSeconds(30)).lines()
                .filter(line -> line.contains("x-request-id=" + id) && line.contains("body bytes")).findFirst().orElseThrow();
        assertTrue(shadowLine.contains("read " + body.length + " body bytes, sha256 " + sha256(body)),
                "the javax hook copied the exact body: " + shadowLine);
        System.out.println("[mirror] b1 -> copy -> b2 -> leaf: the copy's outbound call carries " + MARKER + ": 1");
    }

    // ---- 5. faults of the target never reach the primary; the queue is bounded ----

    /** Latencies and errors of the primary requests to one front. */
    private static final class Samples {
        final List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        int errors;

        synchronized void error() {
            errors++;
        }

        Samples plus(Samples other) {
            Samples both = new Samples();
            both.nanos.addAll(nanos);
            both.nanos.addAll(other.nanos);
            both.errors = errors + other.errors;
            return both;
        }

        Stats stats() {
            return Stats.of(nanos, errors);
        }
    }

    private record Stats(int requests, int errors, double medianMs, double p99Ms) {
        static Stats of(List<Long> nanos, int errors) {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            return new Stats(sorted.length, errors, sorted[sorted.length / 2] / 1e6,
                    sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.99) - 1)] / 1e6);
        }

        @Override
        public String toString() {
            return String.format("median %.2f ms, p99 %.2f ms (%d requests, %d errors)", medianMs, p99Ms, requests, errors);
        }
    }

    @Test
    @Order(5)
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void aRefusingSilentFailingOrSlowTargetNeverFailsOrSlowsThePrimaryAndTheQueueStaysBounded() throws Exception {
        MirrorTarget faulty = newTarget("faulty-target");
        List<AgentJvm> fronts = AgentJvm.startAll(
                frontMirroringTo("mirror-off-front", null),
                frontMirroringTo("mirror-on-front", faulty, "graylane.mirror.queue-capacity", "10"));
        AgentJvm off = keep(fronts.get(0));
        AgentJvm on = keep(fronts.get(1));
        MirrorCounters counters = keep(MirrorCounters.of(on));
        byte[] body = new byte[1024];
        new Random(11).nextBytes(body);
        String sha = sha256(body);

        measure(off, on, 300, body, sha); // warm-up, not reported
        awaitCondition("the warm-up copies", counters::settled);
        List<String> report = new ArrayList<>();
        Map<String, double[]> ratios = new HashMap<>();
        for (String mode : List.of("target answers 200", "target answers 500", "target answers after 5 s",
                "target never answers (black hole)", "target refuses connections")) {
            Map<String, Long> before = counters.all();
            switch (mode) {
                case "target answers 200" -> faulty.mode(MirrorTarget.Mode.OK);
                case "target answers 500" -> faulty.mode(MirrorTarget.Mode.ERROR_500);
                case "target answers after 5 s" -> faulty.mode(MirrorTarget.Mode.SLOW_5S);
                case "target never answers (black hole)" -> faulty.mode(MirrorTarget.Mode.BLACK_HOLE);
                default -> faulty.refuse();
            }
            Samples[] samples;
            if (mode.contains("black hole")) {
                // in two halves, the front's heap checked after each: no more copies held than the queue bound allows
                Samples[] firstHalf = measure(off, on, FAULT_REQUESTS / 2, body, sha);
                Map<String, Long> afterFirst = liveCopyObjects(on);
                Samples[] secondHalf = measure(off, on, FAULT_REQUESTS - FAULT_REQUESTS / 2, body, sha);
                Map<String, Long> afterSecond = liveCopyObjects(on);
                report.add("  heap of the front (queue-capacity 10) after " + FAULT_REQUESTS / 2 + " and " + FAULT_REQUESTS
                        + " black-holed requests: " + afterFirst + " then " + afterSecond);
                for (Map<String, Long> live : List.of(afterFirst, afterSecond)) {
                    // the queue's 10, one in flight per sender (up to 8), a few being built
                    assertTrue(live.getOrDefault("io.graylane.core.mirror.ShadowCopy", 0L) <= 10 + 8 + 4,
                            "queued copies are bounded by the queue: " + live);
                    for (Map.Entry<String, Long> type : live.entrySet()) {
                        assertTrue(type.getValue() <= 64, type.getKey() + " does not grow with the requests: " + live);
                    }
                }
                samples = new Samples[] {firstHalf[0].plus(secondHalf[0]), firstHalf[1].plus(secondHalf[1])};
            } else {
                samples = measure(off, on, FAULT_REQUESTS, body, sha);
            }
            Stats[] stats = {samples[0].stats(), samples[1].stats()};
            // every copy of this mode is sent, failed (timed out) or dropped before the next mode starts
            awaitCondition("the mirror-on front to finish the copies of " + mode, counters::settled);
            Map<String, Long> after = counters.all();
            Map<String, Long> delta = new java.util.LinkedHashMap<>();
            for (String counter : List.of("Selected", "Sent", "Failed", "Dropped")) {
                delta.put(counter, after.get(counter) - before.get(counter));
            }
            report.add(String.format("  %-36s mirroring off: %s | on: %s | median ratio %.2f | copies meanwhile %s", mode,
                    stats[0], stats[1], stats[1].medianMs() / stats[0].medianMs(), delta));
            if (mode.contains("answers 200") || mode.contains("answers 500")) {
                assertTrue(delta.get("Sent") > 0, mode + ": copies were answered " + delta);
            } else {
                assertTrue(delta.get("Failed") > 0, mode + ": copies failed " + delta);
            }
            ratios.put(mode, new double[] {stats[0].medianMs(), stats[1].medianMs()});
            assertEquals(0, stats[0].errors() + stats[1].errors(), mode + ": primary requests failed");
        }
        Map<String, Long> finalCounters = counters.all();
        System.out.println("[mirror latency] POST /body (1 KiB), " + CLIENT_THREADS + " clients, the two fronts interleaved"
                + " in blocks; the same run:\n" + String.join("\n", report) + "\n  mirror-on front counters: " + finalCounters);
        for (Map.Entry<String, double[]> r : ratios.entrySet()) {
            double offMs = r.getValue()[0];
            double onMs = r.getValue()[1];
            // generous: a loaded 2-core machine; the point is that nothing waits on the target (5 s, 2 s timeouts)
            assertTrue(onMs <= 2 * offMs + 2.0, r.getKey() + ": median " + onMs + " ms with mirroring vs " + offMs
                    + " ms without");
        }
        assertTrue(finalCounters.get("Failed") > 0, "failures are counted: " + finalCounters);
        assertTrue(finalCounters.get("Dropped") > 0, "a full queue drops and counts: " + finalCounters);
    }

    // ---- 6. a slow target ----

    @Test
    @Order(6)
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aSlowTargetIsSentSeveralCopiesAtOnceAndNoneIsLost() throws Exception {
        MirrorTarget slow = newTarget("slow-target");
        slow.mode(MirrorTarget.Mode.SLOW_300MS);
        AgentJvm app = keep(frontMirroringTo("mirror-slow-front", slow).start());
        MirrorCounters counters = keep(MirrorCounters.of(app));
        int requests = 48;
        Set<String> ids = new LinkedHashSet<>();
        List<Callable<Void>> calls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String id = "slow-" + RUN + "-" + i;
            ids.add(id);
            calls.add(() -> {
                HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(app.url("/body")))
                        .header(REQUEST_ID, id).POST(HttpRequest.BodyPublishers.ofString(id)).build());
                assertEquals(200, response.statusCode(), response.body());
                return null;
            });
        }
        runAll(calls);
        awaitCopies(slow, ids, counters);
        // one copy in flight per sender: the two first senders alone would never have the target hold more than two
        int atOnce = slow.maxInFlight();
        System.out.println("[mirror] a target answering after 300 ms held up to " + atOnce + " copies at once; counters "
                + counters.all() + ", connections " + slow.accepted());
        assertTrue(atOnce > 2 && atOnce <= 8, "copies in flight at once (2 senders, up to 8 with a backlog): " + atOnce);
    }

    /**
     * {@code perFront} POSTs to each front from {@link #CLIENT_THREADS} clients, alternating between the fronts in
     * blocks of 25 so both see the same machine load. Returns {off, on}.
     */
    private static Samples[] measure(AgentJvm off, AgentJvm on, int perFront, byte[] body, String sha) throws Exception {
        int block = 25;
        Samples offSamples = new Samples();
        Samples onSamples = new Samples();
        List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger resent = new AtomicInteger();
        List<Callable<Void>> clients = new ArrayList<>();
        for (int t = 0; t < CLIENT_THREADS; t++) {
            int thread = t;
            int share = perFront / CLIENT_THREADS + (t < perFront % CLIENT_THREADS ? 1 : 0);
            clients.add(() -> {
                for (int done = 0, round = 0; done < share; done += block, round++) {
                    int n = Math.min(block, share - done);
                    boolean onFirst = (round + thread) % 2 == 0;
                    for (int pass = 0; pass < 2; pass++) {
                        boolean toOn = onFirst == (pass == 0);
                        AgentJvm app = toOn ? on : off;
                        for (int i = 0; i < n; i++) {
                            long start = System.nanoTime();
                            String problem;
                            HttpRequest request = HttpRequest.newBuilder(URI.create(app.url("/body")))
                                    .timeout(Duration.ofSeconds(30)).header(REQUEST_ID, "load-" + RUN + "-" + thread + "-" + done + "-" + i)
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                            try {
                                HttpResponse<String> response;
                                try {
                                    response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
                                } catch (IOException e) {
                                    if (!closedBeforeAnswer(e)) throw e;
                                    // the kept-alive connection was closed by the front as it was reused (the JDK
                                    // client retries only idempotent requests): once more on a new connection, counted
                                    resent.incrementAndGet();
                                    response = newClient().send(request, HttpResponse.BodyHandlers.ofString());
                                }
                                problem = response.statusCode() == 200 && response.body().contains(sha) ? null
                                        : response.statusCode() + " " + response.body();
                            } catch (IOException e) {
                                problem = e.toString();
                            }
                            Samples samples = toOn ? onSamples : offSamples;
                            samples.nanos.add(System.nanoTime() - start);
                            if (problem != null) {
                                samples.error();
                                if (firstErrors.size() < 10) firstErrors.add(app.name() + ": " + problem);
                            }
                        }
                    }
                }
                return null;
            });
        }
        runAll(clients);
        if (!firstErrors.isEmpty()) System.out.println("[mirror latency] first errors: " + firstErrors);
        if (resent.get() > 0) {
            System.out.println("[mirror latency] " + resent + " of " + 2 * perFront + " requests sent twice: a kept-alive"
                    + " connection closed before any byte of the answer");
        }
        assertTrue(resent.get() <= 1 + 2 * perFront / 100, "kept-alive connections must stay open: " + resent
                + " of " + 2 * perFront + " requests found theirs closed");
        return new Samples[] {offSamples, onSamples};
    }

    /** What the JDK client says when a reused connection ends before any byte of an answer. */
    private static boolean closedBeforeAnswer(IOException e) {
        return String.valueOf(e.getMessage()).contains("received no bytes");
    }

    private static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Live instances of the objects a pending copy is made of, from a class histogram (which collects first). */
    private static Map<String, Long> liveCopyObjects(AgentJvm jvm) throws IOException, InterruptedException {
        Map<String, Long> live = new java.util.TreeMap<>();
        live.putAll(ContextAcrossThreadsIT.liveInstances(jvm, "io.graylane.core.mirror.Shadow"));
        live.putAll(ContextAcrossThreadsIT.liveInstances(jvm, "io.graylane.agent.instrumentation.servlet.helper."));
        return live;
    }

    // ---- helpers ----

    private static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Runs the calls on {@link #CLIENT_THREADS} threads; the first failure fails the test. */
    private static void runAll(List<Callable<Void>> calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
        try {
            List<Future<Void>> futures = pool.invokeAll(calls);
            for (Future<Void> future : futures) future.get();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits until the target has a copy of every id in {@code ids} and the front has an outcome for every copy. */
    private static void awaitCopies(MirrorTarget t, Set<String> ids, MirrorCounters counters) {
        // every selected copy ends as sent (after the target recorded it), failed, dropped or skipped: once all have
        // an outcome, what has not arrived never will
        awaitCondition(ids.size() + " copies at " + t, () -> missing(t, ids).isEmpty() || counters.settled());
        Set<String> missing = missing(t, ids);
        assertEquals(Set.of(), missing, "copies that never arrived; counters " + counters.all());
        awaitCondition("every copy to have an outcome " + counters.all(), counters::settled);
        assertEquals(0, counters.get("Dropped") + counters.get("Failed"), "nothing dropped or failed: " + counters.all());
    }

    private static Set<String> missing(MirrorTarget t, Set<String> ids) {
        Set<String> arrived = t.received().stream().map(MirrorTarget.Received::requestId).collect(Collectors.toSet());
        Set<String> missing = new LinkedHashSet<>(ids);
        missing.removeAll(arrived);
        return missing;
    }

    private static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + ARRIVAL_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out after " + ARRIVAL_TIMEOUT + " waiting for " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(MirrorTarget.sha256().digest(bytes));
    }
}
