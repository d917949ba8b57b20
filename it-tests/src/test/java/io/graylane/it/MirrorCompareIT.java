package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mirror comparison end to end: a primary (the catalog sample, v1) with the agent comparing, a real candidate (v2:
 * {@code name} renamed {@code fullName}, {@code price.amount} changed on every tenth item) and a real secondary (v1),
 * each its own JVM over loopback. Every answer also carries a timestamp and a random id that differ between any two
 * instances. Over 1,000 requests the comparison must name exactly the changed fields as regressions, at rates within
 * 2 points of the truth, and the timestamp and id as noise; with a candidate equal to the primary it finds nothing.
 * The {@code report} command summarises the report file, and its HTML page, rendered by a real headless Chromium,
 * shows the same numbers and loads nothing. Bad candidates (garbage, truncated and non-JSON bodies, 50 MB answers, a
 * hung server) end as incomparable or failed, never as a failed primary or a primary out of memory.
 */
@ExtendWith(JvmLogTail.class)
class MirrorCompareIT {

    private static final int ITEMS = Integer.getInteger("graylane.it.compare.items", 1000);
    private static final String ITEMS_ENDPOINT = "GET /items/{id}";
    private static final String USERS_ENDPOINT = "GET /users/{id}";
    private static final Set<String> REGRESSED = Set.of("$.fullName", "$.name", "$.price.amount");
    private static final Duration SETTLE = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code CatalogApp PORT VERSION [tomcat]} from the front jar (it holds every sample class and both containers). */
    private static AgentJvm.Builder catalog(String name, String version, boolean tomcat) {
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, List.of(Artifacts.frontJar()), "io.graylane.samples.CatalogApp");
        builder.args(Integer.toString(builder.port()), version);
        if (tomcat) builder.args("tomcat");
        return builder;
    }

    private static AgentJvm.Builder primary(String name, boolean tomcat, String candidateUrl, String secondaryUrl, Path report) {
        AgentJvm.Builder builder = catalog(name, "v1", tomcat)
                .systemProperty("graylane.mirror.enabled", "true")
                .systemProperty("graylane.mirror.target", candidateUrl)
                .systemProperty("graylane.mirror.compare", "true")
                .systemProperty("graylane.mirror.queue-capacity", "4096")
                .systemProperty("graylane.mirror.compare.report", report.toString());
        if (secondaryUrl != null) builder.systemProperty("graylane.mirror.secondary", secondaryUrl);
        return builder;
    }

    private static Path reportFile(String name) throws IOException {
        Path dir = Artifacts.logDir().resolve("compare");
        Files.createDirectories(dir);
        Path file = dir.resolve(name + "-" + Long.toString(System.nanoTime(), 36) + ".jsonl");
        Files.deleteIfExists(file);
        return file;
    }

    /** GETs every path from 4 client threads, each with its own x-request-id; every answer must be 200. */
    private static void send(AgentJvm primary, List<String> paths) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Http.Response>> answers = new ArrayList<>();
            for (int i = 0; i < paths.size(); i++) {
                String path = paths.get(i);
                String id = "cmp-" + i + "-" + path;
                answers.add(pool.submit(() -> Http.get(primary.url(path), "x-request-id", id)));
            }
            for (Future<Http.Response> answer : answers) {
                Http.Response r = answer.get(60, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r::toString);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits until {@code expected} requests (readiness probes of /health not counted) have been compared. */
    private static void awaitCompared(CompareCounters counters, long expected) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (comparedBeyondHealth(counters) < expected) {
            if (System.nanoTime() - deadline > 0) fail("only " + counters.all() + " of " + expected + " compared in " + SETTLE);
            pause();
        }
    }

    private static long comparedBeyondHealth(CompareCounters counters) {
        if (counters.get("Compared") == 0) return 0;
        long n = 0;
        for (Map.Entry<String, Map<String, Object>> e : counters.endpoints().entrySet()) {
            if (!e.getKey().equals("GET /health")) n += (Long) e.getValue().get("compared");
        }
        return n;
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> fields(Object commaList) {
        Set<String> set = new TreeSet<>();
        for (String f : String.valueOf(commaList).split(",")) if (!f.isEmpty()) set.add(f);
        return set;
    }

    private static void assertCountersAddUp(Map<String, Long> c) {
        assertEquals(c.get("Compared"), c.get("Equal") + c.get("Different") + c.get("NoiseOnly") + c.get("Incomparable"), c::toString);
    }

    private static List<String> paths(String prefix, int count) {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < count; i++) paths.add(prefix + i);
        return paths;
    }

    // ---- 1. the regressions, the noise, the rates ----

    @Test
    void namesExactlyTheRegressedFieldsWithTheirRatesAndTheNoise() throws Exception {
        Path report = reportFile("regressions");
        List<AgentJvm> services = AgentJvm.startAll(catalog("compare-candidate", "v2", false).withAgent(false),
                catalog("compare-secondary", "v1", false).withAgent(false));
        AgentJvm candidate = services.get(0);
        AgentJvm secondary = services.get(1);
        AgentJvm primary = null;
        try {
            primary = primary("compare-primary", false, candidate.url(""), secondary.url(""), report).start();
            List<String> paths = new ArrayList<>(paths("/items/", ITEMS));
            paths.addAll(paths("/users/", 200)); // async, getOutputStream
            paths.addAll(paths("/text/", 50)); // not JSON: byte for byte
            java.util.Collections.shuffle(paths, new java.util.Random(21));
            try (CompareCounters counters = CompareCounters.of(primary)) {
                send(primary, paths);
                awaitCompared(counters, paths.size());
                Map<String, Long> totals = counters.all();
                System.out.println("[compare] counters " + totals);
                assertCountersAddUp(totals);
                assertEquals(0, totals.get("Incomparable"), totals::toString);
                Map<String, Map<String, Object>> endpoints = counters.endpoints();
                System.out.println("[compare] endpoints " + endpoints);
                Map<String, Object> items = endpoints.get(ITEMS_ENDPOINT);
                assertEquals((long) ITEMS, items.get("compared"), items::toString);
                assertEquals(REGRESSED, fields(items.get("regressedFields")), items::toString);
                assertEquals(Set.of("$.servedAt", "$.trace"), fields(items.get("noisyFields")), items::toString);
                Map<String, Object> users = endpoints.get(USERS_ENDPOINT);
                assertEquals(200L, users.get("compared"), users::toString);
                assertEquals(Set.of(), fields(users.get("regressedFields")), users::toString);
                assertEquals(Set.of("$.at"), fields(users.get("noisyFields")), users::toString);
                assertEquals(200L, users.get("noiseOnly"), users::toString);
                Map<String, Object> text = endpoints.get("GET /text/{id}");
                assertEquals(50L, text.get("equal"), text::toString);
            }
        } finally {
            AgentJvm.closeAll(primary); // its totals go to the report as it exits
            AgentJvm.closeAll(candidate, secondary);
        }
        // the report command over the file
        Path html = report.resolveSibling(report.getFileName() + ".html");
        String table = runReport(report, html);
        System.out.println("[compare] report:\n" + table);
        Map<String, double[]> rates = fieldRates(table, ITEMS_ENDPOINT);
        assertEquals(REGRESSED, regressed(table, ITEMS_ENDPOINT), table);
        assertEquals(100.0, rates.get("$.name")[0], 2.0, table);
        assertEquals(100.0, rates.get("$.fullName")[0], 2.0, table);
        assertEquals(10.0, rates.get("$.price.amount")[0], 2.0, table);
        assertEquals(0.0, rates.get("$.price.amount")[1], 2.0, table);
        assertEquals(100.0, rates.get("$.servedAt")[1], 2.0, table);
        assertEquals(100.0, rates.get("$.trace")[1], 2.0, table);
        ChromiumPage.check(html, ITEMS_ENDPOINT, ITEMS, REGRESSED);
    }

    // ---- 2. a candidate equal to the primary: nothing regresses (javax, Tomcat) ----

    @Test
    void aCandidateEqualToThePrimaryRegressesNothing() throws Exception {
        Path report = reportFile("equal");
        List<AgentJvm> services = AgentJvm.startAll(catalog("equal-candidate", "v1", true).withAgent(false),
                catalog("equal-secondary", "v1", true).withAgent(false));
        AgentJvm primary = null;
        try {
            // the users' timestamp ignored: those answers compare equal
            primary = primary("equal-primary", true, services.get(0).url(""), services.get(1).url(""), report)
                    .systemProperty("graylane.mirror.compare.ignore", "$.at").start();
            assertTrue(primary.log().contains("(answers compared, secondary " + services.get(1).url("") + ")"), primary.log());
            List<String> paths = new ArrayList<>(paths("/items/", 300));
            paths.addAll(paths("/users/", 100));
            try (CompareCounters counters = CompareCounters.of(primary)) {
                send(primary, paths);
                awaitCompared(counters, paths.size());
                Map<String, Long> totals = counters.all();
                assertCountersAddUp(totals);
                assertEquals(0, totals.get("Different"), totals::toString);
                assertEquals(0, totals.get("Incomparable"), totals::toString);
                Map<String, Map<String, Object>> endpoints = counters.endpoints();
                for (Map<String, Object> row : endpoints.values()) {
                    assertEquals(Set.of(), fields(row.get("regressedFields")), row::toString);
                }
                assertEquals(Set.of("$.servedAt", "$.trace"), fields(endpoints.get(ITEMS_ENDPOINT).get("noisyFields")));
                assertEquals(100L, endpoints.get(USERS_ENDPOINT).get("equal"), endpoints::toString);
            }
        } finally {
            AgentJvm.closeAll(primary);
            AgentJvm.closeAll(services.toArray(new AgentJvm[0]));
        }
        String table = runReport(report, null);
        assertEquals(Set.of(), regressed(table, ITEMS_ENDPOINT), table);
        assertTrue(table.contains("noise     $.servedAt"), table);
    }

    // ---- 3. bad candidates: incomparable or failed, never a failed primary, never more memory than the bounds ----

    @Test
    void badCandidatesAreIncomparableOrFailedAndThePrimaryIsUnharmed() throws Exception {
        Path report = reportFile("bad");
        List<String> kinds = List.of("garbage", "truncated", "html", "short-json", "huge", "huge-chunked", "hang");
        int each = 10;
        try (BadCandidate bad = new BadCandidate()) {
            AgentJvm primary = null;
            try {
                // a small heap: a 50 MB answer kept whole would not fit next to the service
                primary = primary("bad-primary", false, bad.url(), null, report)
                        .systemProperty("graylane.mirror.timeout", "1s")
                        .jvmOptions("-Xmx64m")
                        .start();
                List<String> paths = new ArrayList<>();
                for (String kind : kinds) for (int i = 0; i < each; i++) paths.add("/items/" + i + "?bad=" + kind);
                java.util.Collections.shuffle(paths, new java.util.Random(7));
                try (CompareCounters counters = CompareCounters.of(primary); MirrorCounters mirror = MirrorCounters.of(primary)) {
                    long started = System.nanoTime();
                    send(primary, paths);
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    awaitCompared(counters, paths.size());
                    Map<String, Long> totals = counters.all();
                    System.out.println("[compare] bad candidates: " + totals + ", mirror " + mirror.all()
                            + ", primary answered " + paths.size() + " requests in " + millis + " ms");
                    assertCountersAddUp(totals);
                    Map<String, Object> items = counters.endpoints().get(ITEMS_ENDPOINT);
                    assertEquals((long) paths.size(), items.get("incomparable"), items::toString);
                    // garbage and the hung candidate never gave an HTTP answer: failed copies
                    assertTrue(mirror.get("Failed") >= 2L * each, mirror.all()::toString);
                    assertEquals(200, Http.get(primary.url("/items/3")).status());
                    // the primary's own answer of 50 MiB: served whole, kept only up to max-body-bytes, incomparable
                    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
                    for (int i = 0; i < 3; i++) {
                        java.net.http.HttpResponse<InputStream> big = client.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(primary.url("/big/50"))).header("x-request-id", "big-" + i).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
                        long length;
                        try (InputStream in = big.body()) {
                            length = in.transferTo(java.io.OutputStream.nullOutputStream());
                        }
                        assertEquals(200, big.statusCode());
                        assertEquals(50L * 1024 * 1024 + 3, length); // [ 0,0,...0 ]
                    }
                    long deadline = System.nanoTime() + SETTLE.toNanos();
                    while (true) {
                        Map<String, Object> big = counters.endpoints().get("GET /big/{id}");
                        if (big != null && (Long) big.get("incomparable") == 3) break;
                        if (System.nanoTime() - deadline > 0) fail("the big answers were not compared: " + counters.endpoints());
                        pause();
                    }
                }
                assertTrue(!primary.log().contains("OutOfMemoryError"), "the primary ran out of memory");
            } finally {
                AgentJvm.closeAll(primary);
            }
        }
        String table = runReport(report, null);
        System.out.println("[compare] report of bad candidates:\n" + table);
        assertTrue(table.contains("incomparable: GET /items/"), table);
        assertTrue(table.contains("incomparable: GET /big/50: primary: the primary's body is larger than graylane.mirror.max-body-bytes"), table);
    }

    /**
     * A candidate that answers badly, by the request's {@code bad} parameter: bytes that are not HTTP, a body cut
     * short, HTML or a JSON fragment where JSON is expected, 50 MB (with a length, or chunked), or nothing at all.
     */
    static final class BadCandidate implements AutoCloseable {
        private static final int HUGE = 50 * 1024 * 1024;
        private final java.net.ServerSocket server;
        private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "bad-candidate");
            t.setDaemon(true);
            return t;
        });
        private final List<java.net.Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        BadCandidate() throws IOException {
            server = new java.net.ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress());
            handlers.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        java.net.Socket socket = server.accept();
                        open.add(socket);
                        handlers.execute(() -> serve(socket));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        private void serve(java.net.Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                java.io.OutputStream out = socket.getOutputStream();
                while (true) {
                    String head = readHead(in);
                    if (head == null) return;
                    String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                    String kind = target.contains("bad=") ? target.substring(target.indexOf("bad=") + 4) : "";
                    switch (kind) {
                        case "garbage":
                            out.write("SSH-2.0-nope\r\n\u0000\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                            return;
                        case "truncated":
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                                    + "{\"id\":1,\"na").getBytes(StandardCharsets.ISO_8859_1));
                            return;
                        case "html":
                            respond(out, "text/html", "<html><body>Service Unavailable</body></html>");
                            break;
                        case "short-json":
                            respond(out, "application/json", "{\"id\":1,\"name\":");
                            break;
                        case "huge":
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + HUGE
                                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                            writeHuge(out, false);
                            return;
                        case "huge-chunked":
                            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                            writeHuge(out, true);
                            return;
                        case "hang":
                            socket.setSoTimeout(30_000);
                            in.read(); // holds the connection until the client gives up
                            return;
                        default:
                            respond(out, "text/plain", "ok");
                    }
                }
            } catch (IOException e) {
                // the client gave up: what the bad ones expect
            } finally {
                open.remove(socket);
            }
        }

        private static void respond(java.io.OutputStream out, String type, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
        }

        private static void writeHuge(java.io.OutputStream out, boolean chunked) throws IOException {
            byte[] block = new byte[64 * 1024];
            Arrays.fill(block, (byte) ' ');
            block[0] = '[';
            for (int sent = 0; sent < HUGE; sent += block.length) {
                if (chunked) out.write((Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(block);
                if (chunked) out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                block[0] = ' ';
            }
            if (chunked) out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        /** The request line (headers read and dropped; copies of GETs have no body), or null at the end of the stream. */
        private static String readHead(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            String first = null;
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    String text = line.toString().trim();
                    line.setLength(0);
                    if (first == null) {
                        first = text;
                    } else if (text.isEmpty()) {
                        return first;
                    }
                } else {
                    line.append((char) c);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (java.net.Socket s : open) s.close();
            handlers.shutdownNow();
        }
    }

    // ---- 4. the comparison's classes and the JSON parser load only when comparison is on ----

    @Test
    void theParserLoadsOnlyWhenComparing() throws Exception {
        Path report = reportFile("loading");
        AgentJvm candidate = catalog("loading-candidate", "v1", false).withAgent(false).start();
        AgentJvm mirrorOnly = null;
        AgentJvm comparing = null;
        try {
            mirrorOnly = catalog("loading-mirror-only", "v1", false)
                    .systemProperty("graylane.mirror.enabled", "true")
                    .systemProperty("graylane.mirror.target", candidate.url(""))
                    .jvmOptions("-Xlog:class+load=info").start();
            comparing = primary("loading-comparing", false, candidate.url(""), null, report)
                    .jvmOptions("-Xlog:class+load=info").start();
            send(mirrorOnly, paths("/items/", 20));
            send(comparing, paths("/items/", 20));
            try (CompareCounters counters = CompareCounters.of(comparing); MirrorCounters mirror = MirrorCounters.of(mirrorOnly)) {
                awaitCompared(counters, 20);
                long deadline = System.nanoTime() + SETTLE.toNanos();
                while (mirror.get("Sent") < 20 && System.nanoTime() - deadline < 0) pause();
                assertTrue(mirror.get("Sent") >= 20, mirror.all()::toString);
            }
            String comparingLog = comparing.log();
            assertTrue(comparingLog.contains("io.graylane.shaded.com.fasterxml.jackson.core.JsonParser "), "comparing: the parser loads");
            assertTrue(comparingLog.contains("io.graylane.agent.compare.MirrorCompare "), "comparing: the comparator loads");
            String mirrorLog = mirrorOnly.log();
            assertTrue(mirrorLog.contains("io.graylane.core.mirror.ShadowCopy "), "mirroring: its classes show in the log");
            assertTrue(!mirrorLog.contains("io.graylane.shaded.com.fasterxml"), "mirroring only: no JSON parser class loads");
            assertTrue(!mirrorLog.contains("io.graylane.agent.compare"), "mirroring only: no comparison class loads");
            assertTrue(!mirrorLog.contains("io.graylane.core.mirror.PrimaryAnswer"), "mirroring only: no answer is captured");
        } finally {
            AgentJvm.closeAll(comparing, mirrorOnly, candidate);
        }
    }

    // ---- the report command ----

    /** {@code java -jar graylane-agent.jar report FILE [--html HTML]}: its standard output. */
    static String runReport(Path report, Path html) throws Exception {
        List<String> command = new ArrayList<>(List.of(Artifacts.java(), "-jar", Artifacts.agentJar().toString(), "report",
                report.toString()));
        if (Files.exists(Path.of(report + ".1"))) command.add(report + ".1");
        if (html != null) command.addAll(List.of("--html", html.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try (InputStream in = process.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "report did not finish");
        assertEquals(0, process.exitValue(), out);
        return out;
    }

    /** Field -> {candidate rate, noise rate} in percent, from the report's table for one endpoint. */
    static Map<String, double[]> fieldRates(String table, String endpoint) {
        Map<String, double[]> rates = new java.util.TreeMap<>();
        for (String line : section(table, endpoint)) {
            Matcher m = Pattern.compile("^\\s+(regressed|noise)\\s+(\\S+)\\s+candidate\\s+([0-9.]+)%\\s+noise\\s+([0-9.]+)%").matcher(line);
            if (m.find()) rates.put(m.group(2), new double[]{Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4))});
        }
        return rates;
    }

    static Set<String> regressed(String table, String endpoint) {
        Set<String> fields = new TreeSet<>();
        for (String line : section(table, endpoint)) {
            Matcher m = Pattern.compile("^\\s+regressed\\s+(\\S+)").matcher(line);
            if (m.find()) fields.add(m.group(1));
        }
        return fields;
    }

    private static List<String> section(String table, String endpoint) {
        List<String> lines = new ArrayList<>();
        boolean in = false;
        for (String line : table.split("\n")) {
            if (!line.startsWith(" ")) in = line.startsWith(endpoint + " ");
            else if (in) lines.add(line);
        }
        return lines;
    }
}
