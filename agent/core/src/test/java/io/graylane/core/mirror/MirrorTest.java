package io.graylane.core.mirror;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror from an inbound hook's point of view, with a stand-in for the servlet request wrapper. */
class MirrorTest {

    private static final String LABEL = "x-asm-traffic-tag";

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private TargetServer target;

    @BeforeEach
    void setUp() throws Exception {
        Log.setOut(new PrintStream(logged, true));
        target = new TargetServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        Traffic.start(ConfigLoader.load(null, Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap()));
        target.close();
        for (Hook hook : Hook.values()) hook.reset();
        Log.setOut(System.err);
    }

    /** Traffic started with mirroring to the target and these settings; its mirror. */
    private Mirror start(String... keyValues) {
        Traffic.start(mirrorConfig(keyValues));
        return Traffic.mirror();
    }

    /** Mirroring on, to the target, with these settings. */
    private Config mirrorConfig(String... keyValues) {
        Map<String, String> props = new HashMap<>();
        props.put("graylane.mirror.enabled", "true");
        props.put("graylane.mirror.target", target.url());
        for (int i = 0; i < keyValues.length; i += 2) props.put(keyValues[i], keyValues[i + 1]);
        Config config = ConfigLoader.load(null, props, Collections.singletonMap("ASM_TRAFFIC_TAG", "lane-local"));
        assertEquals(Collections.emptyList(), config.problems);
        return config;
    }

    /** What the servlet wrapper does, minus the servlet API. */
    private static final class FakeRequest implements ShadowRequest {
        final Map<String, String> headers;
        final String method;
        final String uri;
        final String query;
        ShadowCapture capture;

        FakeRequest(String method, String uri, String query, Map<String, String> headers) {
            this.method = method;
            this.uri = uri;
            this.query = query;
            this.headers = headers;
        }

        @Override
        public void primaryReturned() {
            for (Map.Entry<String, String> h : headers.entrySet()) capture.header(h.getKey(), h.getValue());
            capture.complete(method, uri, query, "fallback:1", false, false, null);
        }
    }

    /** The target keeps its connections open and answers every copy with a short 200. */
    private void keepAliveTarget() {
        target.keepAlive = true;
        target.answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    }

    /** One request through the hook: the application reads {@code read} bytes of {@code body} (all: and sees -1). */
    private static ShadowCapture serve(FakeRequest request, byte[] body, int read) {
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        assertNotNull(in);
        for (int i = 0; i < in.size(); i++) in.set(i, header(request.headers, in.name(i)));
        ShadowCapture capture = in.mirrorCandidate() ? in.mirror() : null;
        if (capture != null) {
            request.capture = capture;
            capture.attach(request, header(request.headers, "content-length"), header(request.headers, "transfer-encoding"), "HTTP/1.1");
        }
        Scope scope = in.open();
        try {
            if (capture != null && body != null) {
                capture.write(body, 0, Math.min(read, body.length));
                if (read >= body.length) capture.endOfStream();
            }
        } finally {
            scope.close();
        }
        return capture;
    }

    private static String header(Map<String, String> headers, String lowerName) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().toLowerCase(Locale.ROOT).equals(lowerName)) return h.getValue();
        }
        return null;
    }

    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) m.put(namesAndValues[i], namesAndValues[i + 1]);
        return m;
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void theCopyIsTheRequestWithShadowHostMarkerLabelAndExactBody() throws Exception {
        start("graylane.mirror.exclude-headers", "Authorization,cookie");
        byte[] body = "{\"n\":1,\"text\":\"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        FakeRequest request = new FakeRequest("POST", "/orders/a%20b", "x=1&y=%2F", headers(
                "Host", "orders:8080", "Content-Length", Integer.toString(body.length), "Content-Type", "application/json",
                LABEL, "dev-x", "x-request-id", "r-1", "Authorization", "Bearer secret", "Cookie", "s=1",
                "Connection", "keep-alive, x-hop", "x-hop", "1", "Keep-Alive", "timeout=5", "TE", "trailers",
                "Expect", "100-continue", "x-custom", "kept"));
        serve(request, body, body.length);

        TargetServer.Received copy = target.next(20);
        assertNotNull(copy, "the copy arrived");
        assertEquals("POST /orders/a%20b?x=1&y=%2F HTTP/1.1", copy.requestLine());
        assertEquals(Arrays.asList("orders-shadow:8080"), copy.header("host"));
        assertEquals(Arrays.asList("1"), copy.header(Mirror.MARKER));
        assertEquals(Arrays.asList("dev-x"), copy.header(LABEL));
        assertEquals(Arrays.asList("r-1"), copy.header("x-request-id"));
        assertEquals(Arrays.asList("kept"), copy.header("x-custom"));
        assertEquals(Arrays.asList("application/json"), copy.header("content-type"));
        assertEquals(Arrays.asList(Integer.toString(body.length)), copy.header("content-length"));
        assertEquals(Collections.emptyList(), copy.header("connection"), "hop-by-hop: the copy has its own (kept-alive) connection");
        for (String gone : new String[] {"authorization", "cookie", "x-hop", "keep-alive", "te", "expect", "transfer-encoding"}) {
            assertEquals(Collections.emptyList(), copy.header(gone), gone + " is not copied");
        }
        assertArrayEquals(body, copy.body);
        Mirror mirror = Traffic.mirror();
        await("the copy counted as sent", () -> mirror.getSent() == 1);
        assertEquals(1, mirror.getSelected());
    }

    @Test
    void idleSendersSleepAndTheNextCopyWakesOne() throws Exception {
        start();
        serve(new FakeRequest("GET", "/first", null, headers("Host", "a:1")), null, 0);
        assertNotNull(target.next(20), "the first copy arrived");
        Mirror mirror = Traffic.mirror();
        // with nothing to send the senders stop looking at the queue every millisecond and park until woken
        await("both senders asleep", () -> mirror.sleepingSenders() == Mirror.MIN_SENDERS);

        long queued = System.nanoTime();
        serve(new FakeRequest("GET", "/second", null, headers("Host", "a:1")), null, 0);
        TargetServer.Received copy = target.next(20);
        assertNotNull(copy, "the second copy arrived");
        assertEquals("GET /second HTTP/1.1", copy.requestLine());
        long millis = (System.nanoTime() - queued) / 1_000_000;
        assertTrue(millis < 5_000, "a sleeping sender was woken by the copy, not by its 10 s sleep ending: " + millis + " ms");
        await("the copy counted as sent", () -> mirror.getSent() == 2);
    }

    @Test
    void whileCopiesKeepComingOnlyTheFirstSenderLooksAtTheQueue() throws Exception {
        keepAliveTarget();
        Mirror mirror = start();
        int samples = 0;
        int othersAsleep = 0;
        for (int i = 0; i < 300; i++) {
            serve(new FakeRequest("GET", "/" + i, null, headers("Host", "h")), null, 0);
            Thread.sleep(1);
            if (i < 50) continue; // the senders start
            samples++;
            // the first sender awake (it looks every millisecond), the others asleep (the pool may have grown while
            // the first copies were slow): no backlog, no slow target now
            if (mirror.sleepingSenders() == mirror.senders() - 1) othersAsleep++;
        }
        await("300 copies sent", () -> mirror.getSent() == 300);
        // every sender looking at the queue every millisecond would never sleep while copies come (0 of the samples)
        assertTrue(othersAsleep > samples / 2, "the other senders slept in " + othersAsleep + " of " + samples
                + " samples (" + mirror.senders() + " senders)");
    }

    @Test
    void copiesThatOneSenderKeepsUpWithNeverStartAnotherSender() throws Exception {
        keepAliveTarget();
        // first the JIT: in a JVM that has run nothing else, senders still interpreted fall behind at this rate and
        // rightly start more; a mirror of its own compiles both sides, the one measured starts afresh
        Mirror warm = mirror(null);
        try {
            int copies = burstsOf(warm, 10, 1, 600, "/warm/");
            // on a busy machine some may be dropped (the queue full while the senders start): all that counts here
            // is that the code ran
            await("every warm-up copy sent, failed or dropped",
                    () -> warm.getSent() + warm.getFailed() + warm.getDropped() == copies);
        } finally {
            warm.stop();
        }
        Mirror mirror = mirror(null);
        try {
            int probe = 0;
            for (int round = 0; round < 100 && mirror.pipeline() != Mirror.MAX_PIPELINE; round++) {
                probe += burstsOf(mirror, 5, 5, 1, "/probe/" + round + "/");
            }
            int probed = probe;
            await("the first copies sent", () -> mirror.getSent() == probed);
            assertEquals(Mirror.MAX_PIPELINE, mirror.pipeline(), "the target took pipelined copies");
            assertTrue(mirror.senders() <= Mirror.MIN_SENDERS + 1, "the probe started at most one sender: " + mirror.senders());
            // 20 copies every 10 ms: each burst is more than a backlog of copies (16), and the first sender takes it
            // whole; it falls a batch behind (64) only if it cannot run for 30 ms. One answer that takes over 5 ms (a
            // pause of the test's JVM) rightly makes the target slow, and a slow target's backlog starts senders: a
            // run with such an answer is repeated, up to three runs
            int clean = 0;
            for (int run = 0; run < 3 && clean == 0; run++) {
                int senders = mirror.senders();
                long slow = mirror.slowSends();
                long sent = mirror.getSent();
                // one copy first, answered in time unless counted slow: the target is not slow as the bursts start
                assertTrue(copy(mirror, "/" + run));
                await("the copy sent", () -> mirror.getSent() == sent + 1);
                int copies = burstsOf(mirror, 20, 10, 100, "/" + run + "/");
                await("every copy sent", () -> mirror.getSent() == sent + 1 + copies);
                assertEquals(0, mirror.getDropped() + mirror.getFailed());
                if (mirror.slowSends() != slow) continue;
                clean++;
                assertEquals(senders, mirror.senders(), "no sender was added for copies the first one kept up with");
            }
            assertEquals(1, clean, "a run in which the target answered every send within 5 ms");
        } finally {
            mirror.stop();
        }
    }

    /** {@code bursts} times {@code size} copies, a burst every {@code millis} ms; returns how many. */
    private static int burstsOf(Mirror mirror, int size, int millis, int bursts, String path) {
        long next = System.nanoTime();
        for (int b = 0; b < bursts; b++) {
            for (int i = 0; i < size; i++) assertTrue(copy(mirror, path + b + "/" + i));
            next += millis * 1_000_000L;
            while (System.nanoTime() < next) LockSupport.parkNanos(100_000);
        }
        return size * bursts;
    }

    @Test
    void aBacklogForASlowTargetStartsMoreSendersUpToTheBound() throws Exception {
        target.answerDelayMillis = 200;
        keepAliveTarget();
        Mirror mirror = start();
        for (int i = 0; i < 60; i++) serve(new FakeRequest("GET", "/" + i, null, headers("Host", "h")), null, 0);
        await("60 copies sent", () -> mirror.getSent() == 60);
        assertEquals(0, mirror.getDropped());
        // each sender has one copy in flight: two senders alone would never have the target answer more than two at once
        assertEquals(Mirror.MAX_SENDERS, mirror.senders(), "the backlog started senders up to the bound");
        assertTrue(target.maxInFlight.get() > Mirror.MIN_SENDERS && target.maxInFlight.get() <= Mirror.MAX_SENDERS,
                "copies in flight at once: " + target.maxInFlight.get());
        assertTrue(target.connections.get() <= Mirror.MAX_SENDERS, "one kept-alive connection per sender: " + target.connections.get());
    }

    /**
     * Threads for the senders, like the JVM's at a process's thread limit: {@code start()} throws OutOfMemoryError once
     * {@code allowed} threads have started.
     */
    private static final class LimitedThreads implements ThreadFactory {
        final AtomicInteger allowed;
        final AtomicInteger refused = new AtomicInteger();

        LimitedThreads(int allowed) {
            this.allowed = new AtomicInteger(allowed);
        }

        @Override
        public Thread newThread(Runnable sender) {
            Thread thread = new Thread(sender) {
                @Override
                public synchronized void start() {
                    if (allowed.getAndDecrement() <= 0) {
                        refused.incrementAndGet();
                        throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource limits reached");
                    }
                    super.start();
                }
            };
            thread.setDaemon(true);
            return thread;
        }
    }

    /** A mirror of its own (not Traffic's), whose senders start through {@code threads} (null: as in a service). */
    private Mirror mirror(ThreadFactory threads) {
        Config config = mirrorConfig();
        return threads == null ? new Mirror(config.mirror, config.labelHeader) : new Mirror(config.mirror, config.labelHeader, threads);
    }

    /** What a request selected by {@code mirror} hands it, as {@link #serve} does through the hook: a GET, no body. */
    private static boolean copy(Mirror mirror, String path) {
        ShadowCapture capture = mirror.select(null, HeaderScrubber.NONE);
        if (capture == null) return false;
        FakeRequest request = new FakeRequest("GET", path, null, headers("Host", "h"));
        request.capture = capture;
        capture.attach(request, null, null, "HTTP/1.1");
        capture.primaryReturned();
        return true;
    }

    @Test
    void aSenderThreadTheJvmRefusesReachesNeitherTheRequestNorTheCopiesAfterIt() throws Exception {
        keepAliveTarget();
        LimitedThreads threads = new LimitedThreads(0);
        Mirror mirror = mirror(threads);
        try {
            for (int i = 0; i < 100; i++) assertFalse(copy(mirror, "/refused/" + i), "no copy is made while no sender runs");
            assertEquals(100, mirror.getSelected());
            assertEquals(100, mirror.getDropped(), "each counted as dropped");
            assertEquals(0, mirror.getQueued());
            assertEquals(0, mirror.senders());
            assertEquals(1, threads.refused.get(), "no thread tried again for every request: " + threads.refused.get());
            String log = new String(logged.toByteArray(), StandardCharsets.UTF_8);
            assertTrue(log.contains("mirror: a sender thread cannot be started (java.lang.OutOfMemoryError: unable to create"
                    + " native thread"), log);
            assertTrue(log.contains("copies are not made, and counted as dropped, until one can"), log);

            // the limit lifted: a second later, the next request starts the senders, and its copy goes out
            threads.allowed.set(Mirror.MIN_SENDERS);
            Thread.sleep(1_100);
            assertTrue(copy(mirror, "/after"), "a sender started");
            assertEquals(Mirror.MIN_SENDERS, mirror.senders());
            TargetServer.Received received = target.next(20);
            assertNotNull(received, "the copy arrived");
            assertEquals("GET /after HTTP/1.1", received.requestLine());
            await("the copy counted as sent", () -> mirror.getSent() == 1);
            assertEquals(1, countOf(new String(logged.toByteArray(), StandardCharsets.UTF_8), "cannot be started"),
                    "the warning is shown once");
        } finally {
            mirror.stop();
        }
    }

    @Test
    void aBacklogTheJvmRefusesASenderForIsSentByTheSendersThatRun() throws Exception {
        target.answerDelayMillis = 50;
        keepAliveTarget();
        LimitedThreads threads = new LimitedThreads(Mirror.MIN_SENDERS);
        Mirror mirror = mirror(threads);
        try {
            for (int i = 0; i < 40; i++) assertTrue(copy(mirror, "/" + i));
            // the newest sender, seeing the backlog, tries to start another and is refused: it must go on sending
            await("40 copies sent", () -> mirror.getSent() == 40);
            assertEquals(0, mirror.getDropped() + mirror.getFailed());
            assertTrue(threads.refused.get() >= 1, "the backlog asked for another sender");
            assertEquals(Mirror.MIN_SENDERS, mirror.senders());
            assertTrue(new String(logged.toByteArray(), StandardCharsets.UTF_8)
                    .contains("the " + Mirror.MIN_SENDERS + " running go on alone"));
        } finally {
            mirror.stop();
        }
    }

    private static int countOf(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) n++;
        return n;
    }

    @Test
    void copiesQueuedTogetherArePipelinedAndEachArrivesOnce() throws Exception {
        keepAliveTarget();
        target.answerDelayMillis = 2; // copies queue up behind the first ones
        Mirror mirror = start();
        for (int i = 0; i < 300; i++) serve(new FakeRequest("GET", "/" + i, null, headers("Host", "h")), null, 0);
        await("300 copies sent", () -> mirror.getSent() == 300);
        assertEquals(0, mirror.getFailed() + mirror.getDropped());
        java.util.Set<String> lines = new java.util.HashSet<>();
        for (int i = 0; i < 300; i++) assertTrue(lines.add(target.next(5).requestLine()), "each copy once");
        assertEquals(300, lines.size());
        assertEquals(Mirror.MAX_PIPELINE, mirror.pipeline(), "the target took pipelined copies");
        assertTrue(target.connections.get() <= Mirror.MAX_SENDERS, "kept-alive connections: " + target.connections.get());
    }

    @Test
    void aTargetThatDropsPipelinedRequestsGetsCopiesOneAtATimeAfterTheProbe() throws Exception {
        try (ShadowClientPipelineTest.DroppingServer dropping = new ShadowClientPipelineTest.DroppingServer()) {
            Mirror mirror = start("graylane.mirror.target", "http://127.0.0.1:" + dropping.port(), "graylane.mirror.timeout", "300ms");
            int served = 0;
            for (int round = 0; round < 20 && mirror.pipeline() == Mirror.PROBE_PIPELINE; round++) {
                for (int i = 0; i < 20; i++, served++) serve(new FakeRequest("GET", "/" + i, null, headers("Host", "h")), null, 0);
                Thread.sleep(50);
            }
            long first = served;
            await("the first copies done", () -> mirror.getSent() + mirror.getFailed() + mirror.getDropped() == first);
            assertEquals(1, mirror.pipeline(), "pipelining was given up on this target");
            long failedByProbes = mirror.getFailed();
            assertTrue(failedByProbes >= 1 && failedByProbes <= Mirror.MAX_SENDERS, "lost to probes: " + failedByProbes);
            for (int i = 0; i < 100; i++) serve(new FakeRequest("GET", "/" + i, null, headers("Host", "h")), null, 0);
            await("100 more copies done", () -> mirror.getSent() + mirror.getFailed() + mirror.getDropped() == first + 100);
            assertEquals(failedByProbes, mirror.getFailed(), "no copy lost once copies go one at a time");
            assertEquals(dropping.received.get(), dropping.answered.get() + failedByProbes);
        }
    }

    @Test
    void theConfiguredLabelReplacesTheRequestsAndAnUnlabelledCopyGetsTheResolvedOne() throws Exception {
        start();
        serve(new FakeRequest("GET", "/", null, headers("Host", "svc", LABEL, "bad lane")), null, 0);
        TargetServer.Received copy = target.next(20);
        assertEquals(Arrays.asList("svc-shadow"), copy.header("host"));
        assertEquals(Arrays.asList("lane-local"), copy.header(LABEL), "the rejected value is never forwarded");
        assertEquals(Collections.emptyList(), copy.header("content-length"), "no body, no framing");

        start("graylane.mirror.label", "shadow-lane");
        serve(new FakeRequest("GET", "/", null, headers("Host", "svc", LABEL, "dev-x")), null, 0);
        assertEquals(Arrays.asList("shadow-lane"), target.next(20).header(LABEL));
    }

    @Test
    void aShadowCopyIsNeverMirroredAndCarriesTheMarkerOn() throws Exception {
        Mirror mirror = start();
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        for (int i = 0; i < in.size(); i++) in.set(i, Mirror.MARKER.equals(in.name(i)) ? "1" : null);
        assertFalse(in.mirrorCandidate());
        assertNull(in.mirror());
        Scope scope = in.open();
        try {
            TrafficContext context = Traffic.current();
            assertEquals("1", context.get(Mirror.MARKER));
            assertEquals("lane-local", context.get(LABEL));
        } finally {
            scope.close();
        }
        assertEquals(0, mirror.getSelected());
    }

    @Test
    void bodiesReadPartlyOrOverTheLimitAreSkippedNeverTruncated() throws Exception {
        Mirror mirror = start("graylane.mirror.max-body-bytes", "100");
        byte[] body = new byte[80];
        serve(new FakeRequest("POST", "/half", null, headers("Content-Length", "80")), body, 40);
        serve(new FakeRequest("POST", "/chunked-half", null, headers("Transfer-Encoding", "chunked")), body, 40);
        serve(new FakeRequest("POST", "/declared-too-big", null, headers("Content-Length", "101")), new byte[101], 101);
        serve(new FakeRequest("POST", "/chunked-too-big", null, headers("Transfer-Encoding", "chunked")), new byte[101], 101);
        serve(new FakeRequest("POST", "/ok-chunked", null, headers("Transfer-Encoding", "chunked")), body, 80);
        TargetServer.Received copy = target.next(20);
        assertEquals("POST /ok-chunked HTTP/1.1", copy.requestLine());
        assertEquals(Arrays.asList("80"), copy.header("content-length"));
        assertEquals(Collections.emptyList(), copy.header("transfer-encoding"));
        assertEquals(4, mirror.getSkipped());
        assertNull(target.next(1));
    }

    @Test
    void aFullQueueDropsAndCountsAndTheRequestNeverWaits() throws Exception {
        target.answer = null; // a black hole: each sender waits out the timeout
        Mirror mirror = start("graylane.mirror.queue-capacity", "1", "graylane.mirror.timeout", "5s");
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) serve(new FakeRequest("GET", "/" + i, null, headers("Host", "h")), null, 0);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(mirror.getDropped() >= 10 - 1 - Mirror.MAX_SENDERS, "dropped: " + mirror.getDropped());
        assertTrue(millis < 4_000, "10 requests took " + millis + " ms with the target silent");
        assertEquals(10, mirror.getSelected());
        assertTrue(logged.toString().contains("queue is full"), logged.toString());
    }

    @Test
    void failuresAreCountedAndTheCountersAreAnMBean() throws Exception {
        int port = target.port();
        target.close(); // refused
        Map<String, String> props = new HashMap<>();
        props.put("graylane.mirror.enabled", "true");
        props.put("graylane.mirror.target", "http://127.0.0.1:" + port);
        Traffic.start(ConfigLoader.load(null, props, Collections.<String, String>emptyMap()));
        final Mirror mirror = Traffic.mirror();
        for (int i = 0; i < 3; i++) serve(new FakeRequest("GET", "/", null, headers()), null, 0);
        await("three failures", () -> mirror.getFailed() == 3);
        ObjectName name = new ObjectName(Mirror.OBJECT_NAME);
        await("the MBean", () -> ManagementFactory.getPlatformMBeanServer().isRegistered(name));
        assertEquals(3L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Failed"));
        assertEquals(3L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Selected"));
        assertTrue(logged.toString().contains("failed"), logged.toString());

        // while the senders back off the refusing target, a selected request is not captured; its copy fails at once
        boolean uncaptured = false;
        long until = System.nanoTime() + 5_000_000_000L;
        while (!uncaptured && System.nanoTime() < until) {
            uncaptured = serve(new FakeRequest("GET", "/", null, headers()), null, 0) == null;
            await("every selected copy failed", () -> mirror.getFailed() == mirror.getSelected());
        }
        assertTrue(uncaptured, "a request selected during the back-off was captured anyway: " + mirror);
        assertEquals(mirror.getSelected(), mirror.getFailed(), mirror.toString());
        assertEquals(0L, mirror.getDropped() + mirror.getSent(), mirror.toString());
    }

    @Test
    void percentageZeroSelectsNothingAndMirroringOffAddsNothingButTheMarkerRead() throws Exception {
        Mirror mirror = start("graylane.mirror.percentage", "0");
        assertNull(serve(new FakeRequest("GET", "/", null, headers("x-request-id", "a")), null, 0));
        assertEquals(0, mirror.getSelected());

        Traffic.start(ConfigLoader.load(null, Collections.<String, String>emptyMap(), Collections.<String, String>emptyMap()));
        assertNull(Traffic.mirror());
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        assertTrue(Arrays.asList(names(in)).contains(Mirror.MARKER), "the marker is read to be carried on");
        assertFalse(in.mirrorCandidate());
        in.open().close();
    }

    @Test
    void decidingNotToCopyARequestAllocatesNothing() {
        start("graylane.mirror.percentage", "1");
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        String unselected = null;
        for (int i = 0; unselected == null; i++) {
            if (!new Sampling(1).selects("id-" + i)) unselected = "id-" + i;
        }
        for (int i = 0; i < in.size(); i++) in.set(i, "x-request-id".equals(in.name(i)) ? unselected : null);
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!(threads instanceof com.sun.management.ThreadMXBean)) return; // not measurable on this JVM
        com.sun.management.ThreadMXBean hotspot = (com.sun.management.ThreadMXBean) threads;
        long thread = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) assertNull(in.mirrorCandidate() ? in.mirror() : null); // warm
        // steady state: on a busy machine the first rounds may still run code the JIT has not finished (whose
        // objects are not yet eliminated), so the best of a few rounds counts; one object per decision is 100,000
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 5 && allocated >= 4096; round++) {
            long before = hotspot.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 100_000; i++) {
                if (in.mirrorCandidate() && in.mirror() != null) throw new AssertionError("selected");
            }
            allocated = hotspot.getThreadAllocatedBytes(thread) - before;
        }
        assertTrue(allocated < 4096, "100,000 decisions allocated " + allocated + " bytes");
        in.open().close();
    }

    @Test
    void theMarkerTravelsWhateverTheMirrorAndTraceSettingsButOnlyAsOne() {
        Map<String, String> props = new HashMap<>();
        props.put("graylane.trace.headers", "x-request-id");
        Traffic.start(ConfigLoader.load(null, props, Collections.<String, String>emptyMap()));
        assertEquals("1", contextOf(Mirror.MARKER, "1").get(Mirror.MARKER));
        assertEquals(Arrays.asList(Mirror.MARKER + "=1"), entries(contextOf(Mirror.MARKER, "1")), "no label, the marker alone");
        assertNull(contextOf(Mirror.MARKER, "yes"));
    }

    /** The request's context while it is served, or null when it has none to carry. */
    private static TrafficContext contextOf(String header, String value) {
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        for (int i = 0; i < in.size(); i++) in.set(i, header.equals(in.name(i)) ? value : null);
        Scope scope = in.open();
        try {
            TrafficContext context = Traffic.current();
            return context.size() == 0 ? null : context;
        } finally {
            scope.close();
        }
    }

    private static java.util.List<String> entries(TrafficContext context) {
        java.util.List<String> entries = new java.util.ArrayList<>();
        for (int i = 0; i < context.size(); i++) entries.add(context.name(i) + "=" + context.value(i));
        return entries;
    }

    private static String[] names(InboundRequest in) {
        String[] names = new String[in.size()];
        for (int i = 0; i < names.length; i++) names[i] = in.name(i);
        return names;
    }
}
