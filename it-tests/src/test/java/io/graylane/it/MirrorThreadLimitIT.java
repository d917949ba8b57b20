package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A service at its process's thread limit, as in a container with a pids limit: the front (agent, mirroring every
 * request) is moved into a cgroup of the Linux pids controller whose {@code pids.max} is the number of threads it runs,
 * so the JVM cannot start one more ({@code OutOfMemoryError: unable to create native thread}). Its mirror's senders,
 * started with the first selected request, cannot start: the requests must still be answered and labelled downstream
 * (the servlet hook stays on), their copies counted as dropped, the refusal logged once; once the limit is lifted the
 * senders start and copies go out. Needs the cgroup v1 pids controller, writable (root); skipped otherwise.
 */
@ExtendWith(JvmLogTail.class)
class MirrorThreadLimitIT {

    private static final Path PIDS = Path.of("/sys/fs/cgroup/pids");
    private static final String MARKER = "x-graylane-mirror";
    private static final int LIMITED_REQUESTS = 20;

    @Test
    void aMirrorSenderTheProcessCannotStartNeitherFailsNorUnlabelsTheRequests() throws Exception {
        assumeTrue(Files.isWritable(PIDS.resolve("cgroup.procs")), "needs the cgroup v1 pids controller, writable, at " + PIDS);
        Path cgroup = PIDS.resolve("graylane-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try (MirrorTarget target = new MirrorTarget("thread-limit-target");
             AgentJvm backend = SampleApps.backend("thread-limit-backend", null).start();
             AgentJvm front = SampleApps.front("thread-limit-front", backend.baseUrl())
                     .env("ASM_TRAFFIC_TAG", "front-lane")
                     .jvmOptions("-XX:-UseDynamicNumberOfCompilerThreads") // the JVM's own threads: all started now
                     .systemProperty("graylane.mirror.enabled", "true")
                     .systemProperty("graylane.mirror.target", target.url())
                     // not GET /health: the first request selected would start the senders
                     .readyWhenLogShows("[front] listening on ")
                     .start()) {
            // every thread the requests below need, started while threads can start: requests that carry the shadow
            // marker are never mirrored, so no sender starts yet
            for (int i = 0; i < 5; i++) {
                Echo.downstream(Http.get(front.url("/call/okhttp"), LABEL, "dev-warm", MARKER, "1"));
            }
            assertEquals(List.of(), target.received(), "no copy of a marked request");

            Files.createDirectory(cgroup);
            try {
                Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(front.pid()));
                String threads = read(cgroup.resolve("pids.current"));
                Files.writeString(cgroup.resolve("pids.max"), threads);
                System.out.printf("[thread-limit] %s runs %s threads, now its limit%n", front, threads);

                for (int i = 0; i < LIMITED_REQUESTS; i++) {
                    Http.Response response = Http.get(front.url("/call/okhttp"), LABEL, "dev-limited",
                            REQUEST_ID, "limited-" + i);
                    Echo.assertHeaderOnce(Echo.downstream(response), LABEL, "dev-limited", response);
                }
                assertTrue(Long.parseLong(read(cgroup.resolve("pids.events")).replaceAll("\\D", "")) > 0,
                        "the process was refused threads (pids.events): the test limited what it meant to");
            } finally {
                Files.writeString(cgroup.resolve("pids.max"), "max");
                Files.writeString(PIDS.resolve("cgroup.procs"), Long.toString(front.pid()));
            }
            String log = front.log();
            assertEquals(1, count(log, "mirror: a sender thread cannot be started (java.lang.OutOfMemoryError: unable"
                    + " to create native thread"), "the refusal logged once:\n" + front.logTail(30));
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
        } finally {
            if (Files.exists(cgroup)) Files.delete(cgroup);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).trim();
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) n++;
        return n;
    }
}
