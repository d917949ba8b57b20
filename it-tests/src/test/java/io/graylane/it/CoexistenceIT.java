package io.graylane.it;

import static io.graylane.it.Echo.assertHeaderAbsent;
import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * graylane in an application that brings what real services bring (the coexist sample: Jetty 12, its own Byte Buddy,
 * TransmittableThreadLocal), alone and next to the TransmittableThreadLocal (TTL) agent in both orders on the command
 * line. The same application also runs with the TTL agent alone: what it shows there (no label, no request id) and
 * in the JVM with graylane alone (no TTL value across threads) is what each assertion about the other JVMs would see
 * without graylane, or without the TTL agent. The backend (no agent) shows what each outbound call carried.
 */
@ExtendWith(JvmLogTail.class)
class CoexistenceIT {

    private static final String LANE = "coexist-lane";
    private static final Duration LOG_TIMEOUT = Duration.ofSeconds(20);
    /** Five JVMs start at once; on a busy 2-core machine one took over 30 s to print its first line. */
    private static final Duration STARTUP = Duration.ofSeconds(90);
    /** Follow-up requests sent, at most, until one runs on the thread an earlier task used (pools of 1 need one). */
    private static final int FOLLOW_UPS = 20;

    private static final String GRAYLANE_ONLY = "graylane-only";
    private static final String TTL_ONLY = "ttl-only";
    private static final String TTL_THEN_GRAYLANE = "ttl-then-graylane";
    private static final String GRAYLANE_THEN_TTL = "graylane-then-ttl";

    /** The hops of the sample's /ttl/{hop} and the name of the thread each runs its task on. */
    private static final Map<String, String> HOP_THREADS = Map.of(
            "thread-pool", "app-pool-\\d+",
            "fork-join", "ForkJoinPool-\\d+-worker-\\d+",
            "completable-async", "ForkJoinPool\\.commonPool-worker-\\d+");

    private static AgentJvm backend;
    private static Map<String, AgentJvm> apps;

    @BeforeAll
    static void startServices() {
        AgentJvm.Builder backendBuilder = SampleApps.backend("coexist-backend", null).withAgent(false)
                .startupTimeout(STARTUP);
        String backendUrl = backendBuilder.baseUrl();
        String ttlAgent = "-javaagent:" + Artifacts.ttlAgentJar() + "=ttl.agent.logger:STDOUT";
        String graylaneAgent = "-javaagent:" + Artifacts.agentJar();
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder,
                coexist(GRAYLANE_ONLY, backendUrl),
                coexist(TTL_ONLY, backendUrl).withAgent(false).jvmOptions(ttlAgent),
                coexist(TTL_THEN_GRAYLANE, backendUrl).withAgent(false).jvmOptions(ttlAgent, graylaneAgent),
                // withAgent: graylane's -javaagent comes first, then the options
                coexist(GRAYLANE_THEN_TTL, backendUrl).jvmOptions(ttlAgent));
        backend = started.get(0);
        apps = Map.of(GRAYLANE_ONLY, started.get(1), TTL_ONLY, started.get(2), TTL_THEN_GRAYLANE, started.get(3),
                GRAYLANE_THEN_TTL, started.get(4));
    }

    @AfterAll
    static void stopServices() {
        if (apps != null) {
            apps.values().forEach(AgentJvm::close);
        }
        AgentJvm.closeAll(backend);
    }

    private static AgentJvm.Builder coexist(String name, String backendUrl) {
        return SampleApps.coexist(name, backendUrl).env("ASM_TRAFFIC_TAG", LANE).startupTimeout(STARTUP);
    }

    private static AgentJvm app(String name) {
        return apps.get(name);
    }

    private static boolean withGraylane(String name) {
        return !name.equals(TTL_ONLY);
    }

    static Stream<String> allJvms() {
        return Stream.of(GRAYLANE_ONLY, TTL_ONLY, TTL_THEN_GRAYLANE, GRAYLANE_THEN_TTL);
    }

    static Stream<String> jvmsWithGraylane() {
        return allJvms().filter(CoexistenceIT::withGraylane);
    }

    private static String uniqueId() {
        return UUID.randomUUID().toString();
    }

    /**
     * The application generates classes with its own Byte Buddy, at start-up (a Greeter subclass delegating to an
     * interceptor that calls the original through {@code @SuperCall}, defined through a private Lookup) and for each
     * request (a class of its own class loader whose {@code call()} is delegated to the object that makes the outbound
     * call); graylane's Byte Buddy is another version, relocated.
     */
    @Nested
    class OwnByteBuddy {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.CoexistenceIT#allJvms")
        void theApplicationSeesItsOwnByteBuddyAndItsGeneratedClassesAnswer(String jvm) {
            String name = "n" + uniqueId().substring(0, 8);
            Http.Response response = Http.get(app(jvm).url(Http.withQuery("/bytebuddy", "name", name)));

            JsonNode answer = Echo.ok(response);
            String appVersion = Artifacts.pinned("graylane.app.bytebuddy.version");
            assertNotEquals(Artifacts.pinned("graylane.bytebuddy.version"), appVersion,
                    "the sample must ship another Byte Buddy than the one graylane shades");
            assertEquals(appVersion, answer.at("/byteBuddy/version").asText(), () -> "net.bytebuddy.ByteBuddy: " + response);
            assertEquals("byte-buddy-" + appVersion + ".jar", answer.at("/byteBuddy/jar").asText(), response::toString);
            assertEquals("app", answer.at("/byteBuddy/loader").asText(), response::toString);
            assertFalse(answer.at("/bootstrap/net.bytebuddy.ByteBuddy").asBoolean(true),
                    () -> "no unrelocated Byte Buddy may be visible to every class loader: " + response);
            assertEquals(withGraylane(jvm), answer.at("/bootstrap/io.graylane.shaded.net.bytebuddy.ByteBuddy").asBoolean(),
                    () -> "graylane's relocated Byte Buddy is there exactly when graylane is: " + response);

            assertEquals("proxied(hello " + name + ")", answer.at("/startupProxy/answer").asText(), response::toString);
            assertEquals("io.graylane.samples.coexist.Greeter", answer.at("/startupProxy/superclass").asText(),
                    response::toString);
            assertTrue(answer.at("/startupProxy/class").asText().startsWith("io.graylane.samples.coexist.Greeter$ByteBuddy$"),
                    response::toString);
            assertTrue(answer.at("/generated/toString").asText().matches("generated for request \\d+"), response::toString);
            assertEquals("net.bytebuddy.dynamic.loading.ByteArrayClassLoader", answer.at("/generated/loader").asText(),
                    response::toString);
            assertEquals("backend", Echo.downstream(answer, response).path("service").asText(), response::toString);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.CoexistenceIT#jvmsWithGraylane")
        void theCallMadeInsideAGeneratedClassCarriesTheLabelAndRequestId(String jvm) {
            String requestId = uniqueId();
            Http.Response response = Http.get(app(jvm).url("/bytebuddy"), LABEL, "lane-bb", REQUEST_ID, requestId);

            JsonNode received = Echo.downstream(response);
            assertHeaderOnce(received, LABEL, "lane-bb", response);
            assertHeaderOnce(received, REQUEST_ID, requestId, response);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.CoexistenceIT#jvmsWithGraylane")
        void withoutAnInboundLabelTheLocalLabelIsSent(String jvm) {
            Http.Response response = Http.get(app(jvm).url("/bytebuddy"));

            assertHeaderOnce(Echo.downstream(response), LABEL, LANE, response);
        }

        @Test
        void withoutGraylaneTheSameCallCarriesNeither() {
            Http.Response response = Http.get(app(TTL_ONLY).url("/bytebuddy"), LABEL, "lane-bb", REQUEST_ID, uniqueId());

            JsonNode received = Echo.downstream(response);
            assertHeaderAbsent(received, LABEL, response);
            assertHeaderAbsent(received, REQUEST_ID, response);
        }
    }

    /**
     * Next to the TTL agent: the application's TransmittableThreadLocal value (TTL's business) and graylane's label and
     * request id both cross a ThreadPoolExecutor, a ForkJoinPool (a task that forks the one that calls) and
     * CompletableFuture.supplyAsync, whichever agent comes first; pooled threads keep neither afterwards.
     */
    @Nested
    class NextToTheTtlAgent {

        static Stream<String> orders() {
            return Stream.of(TTL_THEN_GRAYLANE, GRAYLANE_THEN_TTL);
        }

        static Stream<Arguments> ordersAndHops() {
            return orders().flatMap(order -> HOP_THREADS.keySet().stream().sorted().map(hop -> Arguments.of(order, hop)));
        }

        static Stream<String> hops() {
            return HOP_THREADS.keySet().stream().sorted();
        }

        @ParameterizedTest(name = "{0}: {1}")
        @MethodSource("ordersAndHops")
        void theTtlValueAndTheLabelBothCrossTheHop(String order, String hop) {
            String requestId = uniqueId();
            String value = "v-" + uniqueId();
            Http.Response response = Http.get(app(order).url(Http.withQuery("/ttl/" + hop, "ttl", value)),
                    LABEL, "lane-" + hop, REQUEST_ID, requestId);

            JsonNode task = task(response, hop);
            assertEquals(value, task.path("ttl").asText(null), () -> "the TTL value the task saw: " + response);
            JsonNode received = Echo.downstream(response);
            assertHeaderOnce(received, LABEL, "lane-" + hop, response);
            assertHeaderOnce(received, REQUEST_ID, requestId, response);
        }

        @ParameterizedTest(name = "{0}: {1}")
        @MethodSource("ordersAndHops")
        void aPooledThreadKeepsNeitherTheTtlValueNorTheLabelAfterTheTask(String order, String hop) {
            Http.Response labelled = Http.get(app(order).url(Http.withQuery("/ttl/" + hop, "ttl", "stale-" + hop)),
                    LABEL, "stale-" + hop, REQUEST_ID, "stale-" + uniqueId());
            String thread = task(labelled, hop).path("thread").asText();
            assertEquals("stale-" + hop, task(labelled, hop).path("ttl").asText(null), labelled::toString);

            for (int attempt = 1; attempt <= FOLLOW_UPS; attempt++) {
                Http.Response followUp = Http.get(app(order).url("/ttl/" + hop));
                JsonNode task = task(followUp, hop);
                assertTrue(task.path("ttl").isNull(), () -> "a TTL value left on a pooled thread: " + followUp);
                JsonNode received = Echo.downstream(followUp);
                assertHeaderOnce(received, LABEL, LANE, followUp);
                assertHeaderAbsent(received, REQUEST_ID, followUp);
                if (task.path("thread").asText().equals(thread)) {
                    return; // the very thread that ran the labelled task was clean
                }
            }
            fail("none of " + FOLLOW_UPS + " follow-up requests ran on " + thread + ", the thread of " + labelled);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("orders")
        void bothAgentsStartWithoutErrorAndTransformTheJdkPools(String order) {
            AgentJvm jvm = app(order);
            // TTL changes a JDK class when it loads; the application loads these at start-up
            String log = jvm.awaitLog("the TTL agent's changes to ThreadPoolExecutor and ForkJoinTask",
                    l -> l.contains("of class java.util.concurrent.ThreadPoolExecutor")
                            && l.contains("to class java.util.concurrent.ForkJoinTask"), LOG_TIMEOUT);
            assertTrue(log.contains("[TtlAgent.premain] end"), () -> "TTL agent start-up in " + jvm);
            assertTrue(log.lines().anyMatch(line -> line.startsWith("[graylane] graylane ") && line.contains(" started: ")
                    && line.contains("executors")), () -> "graylane's start-up line in " + jvm);
            List<String> problems = log.lines().filter(line -> line.startsWith("[graylane] ERROR")
                    || line.startsWith("[graylane] WARN") || line.contains(" SEVERE [") || line.contains(" WARNING [")
                    || line.contains("Fail to transform") || line.contains("Exception")).toList();
            assertTrue(problems.isEmpty(), () -> "errors in the log of " + jvm + ":\n" + String.join("\n", problems));
        }

        /** What the JVM with the TTL agent alone shows: the value crosses, graylane's headers are not there. */
        @ParameterizedTest(name = "{0}")
        @MethodSource("hops")
        void theTtlAgentAloneCarriesTheValueButNoLabel(String hop) {
            Http.Response response = Http.get(app(TTL_ONLY).url(Http.withQuery("/ttl/" + hop, "ttl", "only-ttl")),
                    LABEL, "lane-" + hop, REQUEST_ID, uniqueId());

            assertEquals("only-ttl", task(response, hop).path("ttl").asText(null), response::toString);
            JsonNode received = Echo.downstream(response);
            assertHeaderAbsent(received, LABEL, response);
            assertHeaderAbsent(received, REQUEST_ID, response);
        }

        /** What the JVM with graylane alone shows: the label crosses, the application's TTL value does not. */
        @ParameterizedTest(name = "{0}")
        @MethodSource("hops")
        void graylaneAloneCarriesTheLabelButNotTheTtlValue(String hop) {
            String requestId = uniqueId();
            Http.Response response = Http.get(app(GRAYLANE_ONLY).url(Http.withQuery("/ttl/" + hop, "ttl", "no-ttl-agent")),
                    LABEL, "lane-" + hop, REQUEST_ID, requestId);

            assertTrue(task(response, hop).path("ttl").isNull(), response::toString);
            JsonNode received = Echo.downstream(response);
            assertHeaderOnce(received, LABEL, "lane-" + hop, response);
            assertHeaderOnce(received, REQUEST_ID, requestId, response);
        }

        /** The task's report; it ran on a thread of the hop's pool, not on the request thread. */
        private JsonNode task(Http.Response response, String hop) {
            JsonNode task = Echo.ok(response).path("task");
            assertTrue(task.path("thread").asText().matches(HOP_THREADS.get(hop)),
                    () -> "expected the task of " + hop + " on a thread named " + HOP_THREADS.get(hop) + ": " + response);
            return task;
        }
    }
}
