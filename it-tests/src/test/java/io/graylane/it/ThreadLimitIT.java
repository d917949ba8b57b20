package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A service at its process's thread limit, as in a container with a pids limit: the front (with the agent) is moved
 * into a cgroup of the Linux pids controller whose {@code pids.max} is the number of threads it runs, so the JVM cannot
 * start one more ({@code OutOfMemoryError: unable to create native thread}). A thread graylane starts on a request's
 * path (the mirror's senders with the first selected request, the traffic counters' MBean registration with the first
 * count) then cannot start: the requests must still be answered and labelled downstream (the servlet hook stays on),
 * and the refusal logged once. Needs the cgroup v1 pids controller, writable (root); skipped otherwise.
 */
@ExtendWith(JvmLogTail.class)
class ThreadLimitIT {

    private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");
    private static final String MARKER = "x-graylane-mirror";
    private static final int LIMITED_REQUESTS = 20;

    @BeforeEach
    void needsThePidsController() {
        assumeTrue(Files.isWritable(PIDS.resolve("cgroup.procs")), "needs the cgroup v1 pids controller, writable, at " + PIDS);
    }

    /** The sample front with the agent, ready once it listens (not GET /health: that would be its first request). */
    private static AgentJvm.Builder front(String name, AgentJvm backend) {
        return SampleApps.front(name, backend.baseUrl())
                .env("ASM_TRAFFIC_TAG", "front-lane")
                .jvmOptions("-XX:-UseDynamicNumberOfCompilerThreads") // the JVM's own threads: all started now
                .readyWhenLogShows("[front] listening on ");
    }

    @Test
    void aMirrorSenderTheProcessCannotStartNeitherFailsNorUnlabelsTheRequests() throws Exception {
        try (MirrorTarget target = new MirrorTarget("thread-limit-target");
             AgentJvm backend = SampleApps.backend("thread-limit-backend", null).start();
             AgentJvm front = front("thread-limit-front", backend)
                     .systemProperty("graylane.mirror.enabled", "true")
                     .systemProperty("graylane.mirror.target", target.url())
                     .start()) {
            // every thread the requests below need, started while threads can start: requests that carry the shadow
            // marker are never mirrored, so no sender starts yet
            for (int i = 0; i < 5; i++) {
                Echo.downstream(Http.get(front.url("/call/okhttp"), LABEL, "dev-warm", MARKER, "1"));
            }
            assertEquals(List.of(), target.received(), "no copy of a marked request");

            try (ThreadLimit limit = ThreadLimit.of(front)) {
                for (int i = 0; i < LIMITED_REQUESTS; i++) {
                    Http.Response response = Http.get(front.url("/call/okhttp"), LABEL, "dev-limited",
                            REQUEST_ID, "limited-" + i);
                    Echo.assertHeaderOnce(Echo.downstream(response), LABEL, "dev-limited", response);
                }
                limit.assertRefused();
            }
            String log = front.log();
            assertEquals(1, front.logLines().stream().filter(line -> line.contains("mirror: a sender thread cannot be"
                    + " started (java.lang.OutOfMemoryError: unable to create native thread")).count(),
                    "the refusal logged once:\n" + front.logTail(30));
            assertTrue(log.contains("copies are not made, and counted as dropped, until one can"), front.logTail(30));
            assertFalse(log.contains("switched off"), "no hook was switched off:\n" + front.logTail(30));

            // the limit lifted: a second later the next selected request starts the senders, and its copy goes out
            Thread.sleep(1_100);
            Http.Response after = Http.get(front.url("/call/okhttp"), LABEL, "dev-after", REQUEST_ID, "after-limit");
            Echo.assertHeaderOnce(Echo.downstream(after), LABEL, "dev-after", after);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (target.received(r -> "after-limit".equals(r.requestId())).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the copy of the request after the limit never arrived");
                Thread.sleep(50);
            }
            assertEquals(List.of(), target.received(r -> r.requestId() != null && r.requestId().startsWith("limited-")),
                    "no copy of a request selected while no sender could start");
            try (MirrorCounters counters = MirrorCounters.of(front)) {
                assertEquals(LIMITED_REQUESTS, counters.get("Dropped"), "each counted as dropped: " + counters.all());
                assertEquals(LIMITED_REQUESTS + 1, counters.get("Selected"), counters.all().toString());
            }
            System.out.printf("[thread-limit] %d requests while no mirror sender could start: answered, labelled"
                    + " downstream, their copies dropped and counted; the refusal logged once; copies flow again after"
                    + " the limit%n", LIMITED_REQUESTS);
        }
    }

    @Test
    void theFirstCountsMBeanThreadTheProcessCannotStartNeitherFailsNorUnlabelsTheRequests() throws Exception {
        try (AgentJvm backend = SampleApps.backend("thread-limit-backend", null).start();
             AgentJvm front = front("thread-limit-counting-front", backend).start()) {
            // Jetty starts threads of its own with its first connections (its scheduler): started by connections that
            // send half a request line, which no servlet sees and graylane does not count
            for (int i = 0; i < 3; i++) {
                try (Socket socket = new Socket("127.0.0.1", front.port())) {
                    socket.getOutputStream().write("GET /hea".getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    Thread.sleep(200);
                }
            }
            try (ThreadLimit limit = ThreadLimit.of(front)) {
                // the front's first request, counted: the counters' MBean is registered on a thread of its own
                assertEquals(200, Http.get(front.url("/health"), LABEL, "dev-first").status());
                front.awaitLog("the registration refused", log -> log.contains("traffic counters cannot be registered")
                        || log.contains("switched off"), Duration.ofSeconds(30));
                limit.assertRefused();
            }
            String log = front.log();
            assertFalse(log.contains("switched off"), "no hook was switched off:\n" + front.logTail(30));
            assertTrue(log.contains("traffic counters cannot be registered as graylane:type=Traffic:"
                    + " java.lang.OutOfMemoryError: unable to create native thread"), front.logTail(30));
            Http.Response after = Http.get(front.url("/call/okhttp"), LABEL, "dev-after");
            Echo.assertHeaderOnce(Echo.downstream(after), LABEL, "dev-after", after);
            System.out.println("[thread-limit] the traffic counters' MBean thread refused: the request answered, the"
                    + " next one labelled downstream");
        }
    }

    /** A cgroup of the pids controller holding one JVM, at most as many threads as it runs now, until closed. */
    private static final class ThreadLimit implements AutoCloseable {
        private final Path cgroup;
        private final long pid;

        private ThreadLimit(Path cgroup, long pid) {
            this.cgroup = cgroup;
            this.pid = pid;
        }

        static ThreadLimit of(AgentJvm jvm) throws IOException {
            Path cgroup = PIDS.resolve("graylane-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            Files.createDirectory(cgroup);
            ThreadLimit limit = new ThreadLimit(cgroup, jvm.pid());
            try {
                Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(jvm.pid()));
                String threads = read(cgroup.resolve("pids.current"));
                Files.writeString(cgroup.resolve("pids.max"), threads);
                System.out.printf("[thread-limit] %s runs %s threads, now its limit%n", jvm, threads);
                return limit;
            } catch (IOException | RuntimeException e) {
                limit.close();
                throw e;
            }
        }

        /** The JVM was refused threads (pids.events): the test limited what it meant to. */
        void assertRefused() throws IOException {
            String events = read(cgroup.resolve("pids.events"));
            assertTrue(Long.parseLong(events.replaceAll("\\D", "")) > 0, "threads refused: " + events);
        }

        /** Lifts the limit, moves the JVM back to the root cgroup and removes this one. */
        @Override
        public void close() throws IOException {
            Files.writeString(cgroup.resolve("pids.max"), "max");
            if (ProcessHandle.of(pid).isPresent()) Files.writeString(PIDS.resolve("cgroup.procs"), Long.toString(pid));
            Files.delete(cgroup);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }
}
