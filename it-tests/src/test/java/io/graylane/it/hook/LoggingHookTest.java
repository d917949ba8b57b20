package io.graylane.it.hook;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

/**
 * One logging library, one version, configured by a real configuration file (it-tests/src/test/resources/hook-*.xml,
 * named by the execution's system properties), in a JVM that runs with the agent ({@code -Dgraylane.label.local=
 * hook-lane}; see the hook-logback* and hook-log4j* executions in it-tests/pom.xml). The test logs through one
 * logger whose appenders write files: pattern layouts ({@code PREFIX MESSAGE label=[%X{graylane.label}]
 * rid=[%X{graylane.request-id}]}), synchronous and behind the library's async appender, and a JSON layout. It logs
 * outside any request, inside an inbound servlet request (Jetty 12 in this JVM), from a pool task of that request, and
 * with the application's own MDC entry under {@code graylane.label}, and checks every file's line for each message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(HookTest.WithLibraryVersion.class)
abstract class LoggingHookTest {

    static final String LABEL_KEY = "graylane.label";
    static final String REQUEST_ID_KEY = "graylane.request-id";
    private static final Duration LOG_DEADLINE = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path logDir = Path.of(System.getProperty("graylane.it.log-dir", "target/hook-logs/unset"));
    private InboundServer inbound;
    private ExecutorService pool;

    /** The library as named in test names, e.g. {@code logback}. */
    abstract String library();

    /** Class files that must be on the class path exactly once; the first one's jar names the expected version. */
    abstract List<String> classFiles();

    /** The files of the pattern appenders (under the log directory), each prefixing its lines with its own name. */
    abstract List<String> patternFiles();

    /** The files of the JSON appenders, one event per line. */
    abstract List<String> jsonFiles();

    /** What a JSON line shows of the event's MDC / context data. */
    abstract Map<String, String> mdcOf(JsonNode event);

    /** Logs {@code message} at INFO through the test's logger. */
    abstract void log(String message) throws Exception;

    /** Puts {@code value} under {@code key} in the application's MDC / ThreadContext; null removes it. */
    abstract void putApplicationMdc(String key, String value) throws Exception;

    /** Checks before anything is logged, e.g. that the logging facade found the library. */
    void checkSetUp() throws Exception {}

    @BeforeAll
    void start() throws Exception {
        assertAgentAttached();
        checkSetUp();
        inbound = InboundServer.start();
        pool = Executors.newFixedThreadPool(1);
    }

    @AfterAll
    void stop() throws Exception {
        if (pool != null) pool.shutdownNow();
        if (inbound != null) inbound.stop();
    }

    @Test
    void theLibraryOnTheClassPathIsTheExpectedVersion() throws Exception {
        for (String classFile : classFiles()) {
            List<URL> copies = Collections.list(getClass().getClassLoader().getResources(classFile));
            assertEquals(1, copies.size(), () -> library() + ": expected " + classFile
                    + " once on the class path, found " + copies);
        }
        URL jar = getClass().getClassLoader().getResource(classFiles().get(0));
        String expected = HookTest.expectedVersion();
        assertTrue(jar.toString().contains("-" + expected + ".jar!"), () -> "the failsafe execution for " + library()
                + " " + expected + " has another version on its class path: " + jar);
    }

    @Test
    void outsideAnyRequestTheLocalLabelAndNoRequestId() throws Exception {
        String message = message("outside");
        String task = message("outside-pool");

        log(message);
        pool.submit(() -> { log(task); return null; }).get(20, TimeUnit.SECONDS);

        assertLogged(message, HookTest.LOCAL_LANE, null);
        assertLogged(task, HookTest.LOCAL_LANE, null);
    }

    @Test
    void insideARequestItsLabelAndRequestIdAlsoInItsPoolTasks() throws Exception {
        String label = "lane-" + shortId();
        String requestId = UUID.randomUUID().toString();
        String message = message("request");
        String task = message("request-pool");

        inbound.serve(() -> {
            log(message);
            pool.submit(() -> { log(task); return null; }).get(20, TimeUnit.SECONDS);
            return "ok";
        }, HookTest.LABEL, label, HookTest.REQUEST_ID, requestId);

        assertLogged(message, label, requestId);
        assertLogged(task, label, requestId);
    }

    @Test
    void theApplicationsOwnEntryWins() throws Exception {
        String requestId = UUID.randomUUID().toString();
        String message = message("app");

        inbound.serve(() -> {
            putApplicationMdc(LABEL_KEY, "app-set");
            try {
                log(message);
            } finally {
                putApplicationMdc(LABEL_KEY, null);
            }
            return "ok";
        }, HookTest.LABEL, "lane-" + shortId(), HookTest.REQUEST_ID, requestId);

        assertLogged(message, "app-set", requestId);
    }

    private String message(String what) {
        return what + "-" + shortId();
    }

    /** Every file has exactly one line for {@code message}, showing {@code label} and {@code requestId} (null: none). */
    private void assertLogged(String message, String label, String requestId) throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String file : patternFiles()) {
            String line = awaitLine(file, " " + message + " ");
            String expected = file + " " + message + " label=[" + label + "] rid=[" + (requestId == null ? "" : requestId) + "]";
            checks.add(() -> assertEquals(expected, line, library() + " " + HookTest.expectedVersion() + ", " + file));
        }
        for (String file : jsonFiles()) {
            String line = awaitLine(file, "\"" + message + "\"");
            Map<String, String> mdc = mdcOf(JSON.readTree(line));
            checks.add(() -> assertEquals(label, mdc.get(LABEL_KEY), () -> library() + ", " + file + ": " + line));
            checks.add(() -> assertEquals(requestId, mdc.get(REQUEST_ID_KEY), () -> library() + ", " + file + ": " + line));
        }
        assertAll(checks);
    }

    /** The one line of {@code file} that contains {@code part}, once written (async appenders write later). */
    private String awaitLine(String file, String part) throws IOException, InterruptedException {
        Path path = logDir.resolve(file + ".log");
        long deadline = System.nanoTime() + LOG_DEADLINE.toNanos();
        while (true) {
            List<String> lines = new ArrayList<>();
            if (Files.exists(path)) {
                String text = Files.readString(path, StandardCharsets.UTF_8);
                // only whole lines: a line being written has no line end yet
                for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
                    if (line.contains(part)) lines.add(line);
                }
            }
            if (lines.size() > 1) fail(library() + ": more than one line with " + part + " in " + path + ": " + lines);
            if (lines.size() == 1) return lines.get(0);
            if (System.nanoTime() - deadline > 0) fail(library() + ": no line with " + part + " in " + path
                    + " within " + LOG_DEADLINE);
            Thread.sleep(20);
        }
    }

    private static void assertAgentAttached() {
        try {
            Class.forName("io.graylane.core.Traffic", false, null);
        } catch (ClassNotFoundException e) {
            fail("this JVM runs without the graylane agent; hook tests run through the hook-* failsafe executions"
                    + " of it-tests/pom.xml, whose argLine has -javaagent:agent/target/graylane-agent.jar");
        }
        assertEquals(HookTest.LOCAL_LANE, System.getProperty("graylane.label.local"));
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
