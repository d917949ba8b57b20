package io.graylane.it;

import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code graylane.cache.dir}, a start takes the classes an earlier start changed from the cache: Byte Buddy is
 * never loaded (its matchers aside, which the rules are made of), helpers are still defined in each loader, and every
 * hop still carries the label. Another lane or mirroring on share the file; another set of instrumentations uses
 * another; a damaged file, a directory that cannot be made or one other users may write is named in a warning and
 * the service runs as without the cache.
 */
@ExtendWith(JvmLogTail.class)
class ClassCacheIT {

    private static final String CACHE_DIR = "graylane.cache.dir";

    private static AgentJvm backend;

    @BeforeAll
    static void startBackend() {
        backend = SampleApps.backend("cache-backend", null).withAgent(false).start();
    }

    @AfterAll
    static void stopBackend() {
        AgentJvm.closeAll(backend);
    }

    @Test
    void aSecondStartTakesEveryChangedClassFromTheCacheWithoutByteBuddy(@TempDir Path dir) throws IOException {
        String first = runFront(dir, "cache-front-1");
        assertTrue(first.contains("[graylane] DEBUG class cache " + cacheFile(dir) + " written: 0 classes answered, "),
                () -> "expected the first start to write the cache, log:\n" + first);
        assertFalse(changedFromTheCache(first).size() > 0, "nothing was cached before the first start");
        List<String> changedFirst = changedByByteBuddy(first);
        assertTrue(changedFirst.size() >= 10, () -> "expected the front's classes changed, got " + changedFirst);

        String second = runFront(dir, "cache-front-2", "-Xlog:class+load");
        List<String> cached = assertChangedFromTheCache(first, second);
        List<String> loadedAgain = changedFirst.stream().map(ClassCacheIT::className)
                .filter(name -> second.contains("[class,load] " + name + " source: ")).sorted().toList();
        assertEquals(loadedAgain, cached.stream().filter(loadedAgain::contains).toList(),
                "every class the first start changed and the second one loaded came from the cache");
        assertTrue(cached.containsAll(List.of("java.lang.Thread", "okhttp3.OkHttpClient")),
                () -> "expected the classes changed when instrumentation starts and when OkHttp loads, got " + cached);
        // a class the first start never loaded is changed the usual way, with Byte Buddy and a new entry
        boolean allCached = changedByByteBuddy(second).isEmpty();
        List<String> byteBuddy = second.lines().filter(line -> line.contains("io.graylane.shaded.net.bytebuddy.")
                && !line.contains(".matcher.")).toList();
        assertTrue(!allCached || byteBuddy.isEmpty(), () -> "expected no Byte Buddy class loaded but its matchers when"
                + " every class came from the cache, found " + byteBuddy.size() + ", first " + byteBuddy.get(0));
        Path file = cacheFile(dir);
        // at exit: "FILE: N classes answered, nothing new", or "FILE written: N classes answered, M new entries"
        String exitLine = "[graylane] DEBUG class cache " + file + (allCached ? ": " : " written: ");
        assertTrue(second.lines().anyMatch(line -> line.startsWith(exitLine)
                && line.endsWith(allCached ? " classes answered, nothing new" : " new entries")),
                () -> "expected the second start to leave the file as it was (unless it changed a class the first"
                        + " start never loaded), log:\n" + second);
    }

    @Test
    void aReactiveServiceGetsItsHelpersWithTheCachedClasses(@TempDir Path dir) throws IOException {
        List<String> logs = new ArrayList<>();
        for (String name : List.of("cache-webflux-1", "cache-webflux-2")) {
            AgentJvm webflux = SampleApps.webflux(name, backend.baseUrl()).systemProperty(CACHE_DIR, dir.toString())
                    .systemProperty("graylane.log.level", "debug").start();
            try {
                for (String pattern : List.of("publish-on", "delay", "flatmap")) {
                    String requestId = name + "-" + pattern;
                    Http.Response response = Http.get(webflux.url(Http.withQuery("/echo", "pattern", pattern, "client",
                            "webclient")), LABEL, "lane-cached", REQUEST_ID, requestId);
                    Echo.ok(response);
                    assertHeaderOnce(Echo.downstream(response), LABEL, "lane-cached", response);
                    assertHeaderOnce(Echo.downstream(response), REQUEST_ID, requestId, response);
                }
            } finally {
                webflux.close();
            }
            logs.add(Files.readString(webflux.logFile()));
        }
        List<String> cached = assertChangedFromTheCache(logs.get(0), logs.get(1));
        assertTrue(cached.stream().anyMatch(name -> name.startsWith("reactor.core.publisher.")),
                () -> "expected Reactor's publishers from the cache, got " + cached);
    }

    /**
     * The file is named by what graylane writes into classes, not by every setting: a start in another lane with
     * mirroring on (whose request wrappers are helpers, defined beside the cached classes) takes the classes of a
     * start in the base lane without it, and mirrors a body whole; a start with another set of instrumentations
     * writes a file of its own.
     */
    @Test
    void anotherLaneWithMirroringSharesTheFileAndOtherInstrumentationsDoNot(@TempDir Path dir) throws Exception {
        String first = runFront(dir, "cache-lane-base");
        Path file = cacheFile(dir);
        String second;
        try (MirrorTarget target = new MirrorTarget("cache-mirror-target")) {
            AgentJvm front = SampleApps.front("cache-lane-gray", backend.baseUrl()).env("ASM_TRAFFIC_TAG", "gray")
                    .systemProperty(CACHE_DIR, dir.toString()).systemProperty("graylane.log.level", "debug")
                    .systemProperty("graylane.mirror.enabled", "true").systemProperty("graylane.mirror.target", target.url())
                    .start();
            try {
                assertLabelCarried(front, "cache-lane-gray");
                assertBodyMirrored(front, target);
            } finally {
                front.close();
            }
            second = Files.readString(front.logFile());
        }
        assertEquals(List.of(file), files(dir), "one file for both lanes");
        List<String> cached = assertChangedFromTheCache(first, second);
        assertTrue(cached.contains("jakarta.servlet.http.HttpServlet"), () -> "expected the servlet from the cache, got " + cached);

        runFront(dir, "cache-fewer-hooks", "-Dgraylane.instrumentation.dubbo.enabled=false");
        List<Path> both = files(dir);
        assertEquals(2, both.size(), () -> "expected a file for each set of instrumentations, got " + both);
    }

    @Test
    void aDamagedFileIsNamedAndWrittenAnew(@TempDir Path dir) throws IOException {
        runFront(dir, "cache-intact");
        Path file = cacheFile(dir);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        String damaged = runFront(dir, "cache-damaged");
        assertTrue(damaged.contains("[graylane] WARN the class cache " + file + " cannot be read ("),
                () -> "expected a warning naming the damaged file, log:\n" + damaged);
        assertFalse(changedByByteBuddy(damaged).isEmpty(), "the damaged start changes its classes itself");

        String after = runFront(dir, "cache-rewritten");
        assertChangedFromTheCache(damaged, after);
    }

    @Test
    void aCacheDirectoryThatCannotBeMadeIsNamedAndTheServiceRuns(@TempDir Path dir) throws IOException {
        Path blocker = Files.writeString(dir.resolve("a-file"), "not a directory");
        Path wanted = blocker.resolve("cache");
        AgentJvm front = SampleApps.front("cache-unusable", backend.baseUrl()).systemProperty(CACHE_DIR, wanted.toString())
                .start();
        try {
            assertLabelCarried(front, "cache-unusable");
            String log = front.log();
            assertTrue(log.contains("[graylane] WARN " + CACHE_DIR + " '" + wanted + "' cannot be used ("),
                    () -> "expected a warning naming the key and the directory, log:\n" + log);
        } finally {
            front.close();
        }
    }

    @Test
    void aDirectoryOtherUsersMayWriteIsNotUsed(@TempDir Path dir) throws IOException {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        String log = runFront(shared, "cache-shared");
        assertTrue(log.contains("[graylane] WARN " + CACHE_DIR + " '" + shared + "' may be written by other users"
                + " (rwxrwxrwx): the classes kept there would run as this service's code"),
                () -> "expected a warning naming the key and the directory, log:\n" + log);
        assertEquals(List.of(), files(shared), "nothing written there");
    }

    /** Starts the front with the cache in {@code dir}, checks a labelled call, stops it: its whole log. */
    private static String runFront(Path dir, String name, String... jvmOptions) throws IOException {
        AgentJvm front = SampleApps.front(name, backend.baseUrl()).systemProperty(CACHE_DIR, dir.toString())
                .systemProperty("graylane.log.level", "debug").jvmOptions(jvmOptions).start();
        try {
            assertLabelCarried(front, name);
        } finally {
            front.close();
        }
        return Files.readString(front.logFile());
    }

    private static void assertLabelCarried(AgentJvm front, String name) {
        for (String client : List.of("okhttp", "java-http-async", "apache5")) {
            String requestId = name + "-" + client;
            Http.Response response = Http.get(front.url("/call/" + client), LABEL, "lane-cached", REQUEST_ID, requestId);
            Echo.ok(response);
            assertHeaderOnce(Echo.downstream(response), LABEL, "lane-cached", response);
            assertHeaderOnce(Echo.downstream(response), REQUEST_ID, requestId, response);
        }
    }

    /** A POST with a body of 100,000 bytes reaches the mirror target whole, its request id and checksum intact. */
    private static void assertBodyMirrored(AgentJvm front, MirrorTarget target) throws Exception {
        byte[] body = new byte[100_000];
        new Random(7).nextBytes(body);
        String requestId = "cache-mirrored-" + System.nanoTime();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(front.url("/body")))
                .header(REQUEST_ID, requestId).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), () -> "the primary answer: " + response.body());
        String sha256 = HexFormat.of().formatHex(MirrorTarget.sha256().digest(body));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<MirrorTarget.Received> copies;
        while ((copies = target.received(copy -> requestId.equals(copy.requestId()))).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, copies.size(), () -> "expected one copy of " + requestId + ", the target got " + target.received());
        MirrorTarget.Received copy = copies.get(0);
        assertEquals(body.length, copy.bodyLength(), "the copy's body length");
        assertEquals(sha256, copy.sha256(), "the copy's body");
    }

    /**
     * {@code later} read the file {@code earlier} wrote: no class {@code earlier} changed is changed again with Byte
     * Buddy, no class comes from the cache that {@code earlier} did not change, and at least ten do. A class that
     * only {@code later} loads is changed with Byte Buddy: which of CompletableFuture's completion classes a call
     * loads depends on whether its future completed before the next stage was added. The classes from the cache.
     */
    private static List<String> assertChangedFromTheCache(String earlier, String later) {
        Set<String> known = Stream.concat(changedByByteBuddy(earlier).stream(), changedFromTheCache(earlier).stream())
                .map(ClassCacheIT::className).collect(Collectors.toSet());
        List<String> again = changedByByteBuddy(later).stream().map(ClassCacheIT::className).filter(known::contains)
                .toList();
        assertEquals(List.of(), again, "classes the earlier start changed, changed again without the cache");
        List<String> cached = changedFromTheCache(later).stream().map(ClassCacheIT::className).sorted().toList();
        assertEquals(List.of(), cached.stream().filter(name -> !known.contains(name)).toList(),
                "classes from the cache that the earlier start did not change");
        assertTrue(cached.size() >= 10, () -> "expected the classes from the cache, got " + cached);
        return cached;
    }

    private static List<String> changedByByteBuddy(String log) {
        return log.lines().filter(line -> line.contains("[graylane] DEBUG instrumented ") && line.endsWith(" ms")).toList();
    }

    private static List<String> changedFromTheCache(String log) {
        return log.lines().filter(line -> line.contains("[graylane] DEBUG instrumented ")
                && line.endsWith(" from the class cache")).toList();
    }

    /** "[graylane] DEBUG instrumented a.B (retransformed) in 1.2 ms" -> "a.B" */
    private static String className(String line) {
        return line.substring(line.indexOf("instrumented ") + "instrumented ".length()).split(" ")[0];
    }

    /** The one cache file in {@code dir} (beside its lock file). */
    private static Path cacheFile(Path dir) throws IOException {
        List<Path> files = files(dir);
        assertEquals(1, files.size(), () -> "expected one cache file, got " + files);
        return files.get(0);
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".cache")).sorted().toList();
        }
    }
}
