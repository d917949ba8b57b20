package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The label and the request id in every log line (graylane.mdc.*): the logging sample (sample-apps/logging) logs
 * through Logback 1.5 and Log4j 2 (pattern layouts with {@code %X{graylane.label}} and {@code %X{graylane.request-id}},
 * synchronous and async appenders, Log4j's JSON template layout) outside any request, inside a labelled and an
 * unlabelled request, inside a pool task of each, and with the application's own MDC / ThreadContext entry under
 * {@code graylane.label}. The same service with {@code graylane.mdc.enabled=false} shows none of graylane's values;
 * with every Log4j logger asynchronous (LMAX Disruptor) the Log4j lines are the same as with synchronous loggers.
 * {@link OnReactiveThreads}: the lines a WebFlux service logs on its reactive threads under concurrent load, on Spring
 * Boot 4, 3.5 and 2.7. (The lines of Kafka consumers, per record and between records: {@link KafkaPropagationIT}.)
 */
@ExtendWith(JvmLogTail.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MdcIT {

    private static final String LOCAL = "local-lane";
    /** Every appender of the sample whose lines read {@code PREFIX MESSAGE label=[...] rid=[...]}. */
    private static final List<String> PATTERN_APPENDERS = List.of("LB-SYNC", "LB-ASYNC", "L4-SYNC", "L4-ASYNC");
    private static final String MAIN = "io.graylane.samples.logging.LoggingApp";
    private static final Duration LOG_DEADLINE = Duration.ofSeconds(20);

    private AgentJvm withMdc;
    private AgentJvm mdcOff;
    private AgentJvm asyncLoggers;

    @BeforeAll
    void start() {
        AgentJvm.Builder on = AgentJvm.classpathBuilder("mdc-on", Artifacts.loggingClassPath(), MAIN)
                .env("ASM_TRAFFIC_TAG", LOCAL);
        on.args(Integer.toString(on.port()));
        AgentJvm.Builder off = AgentJvm.classpathBuilder("mdc-off", Artifacts.loggingClassPath(), MAIN)
                .env("ASM_TRAFFIC_TAG", LOCAL)
                .systemProperty("graylane.mdc.enabled", "false");
        off.args(Integer.toString(off.port()));
        AgentJvm.Builder async = AgentJvm.classpathBuilder("mdc-async-loggers", Artifacts.loggingClassPath(), MAIN)
                .env("ASM_TRAFFIC_TAG", LOCAL)
                .systemProperty("log4j2.contextSelector", "org.apache.logging.log4j.core.async.AsyncLoggerContextSelector");
        async.args(Integer.toString(async.port()));
        List<AgentJvm> jvms = AgentJvm.startAll(on, off, async);
        withMdc = jvms.get(0);
        mdcOff = jvms.get(1);
        asyncLoggers = jvms.get(2);
    }

    @AfterAll
    void stop() {
        AgentJvm.closeAll(withMdc, mdcOff, asyncLoggers);
    }

    /** Requests 1 (labelled dev-x, x-request-id rid-1) and 2 (no label, x-request-id rid-2); the log once all is written. */
    private static Set<String> logTwoRequests(AgentJvm jvm) {
        Http.Response labelled = Http.get(jvm.url("/log?n=1"), LABEL, "dev-x", REQUEST_ID, "rid-1");
        Http.Response unlabelled = Http.get(jvm.url("/log?n=2"), REQUEST_ID, "rid-2");
        // graylane never writes into the application's MDC or ThreadContext: after the request they hold nothing
        assertEquals("200 mdc=null,null threadcontext=null,null", labelled.status() + " " + labelled.body());
        assertEquals("200 mdc=null,null threadcontext=null,null", unlabelled.status() + " " + unlabelled.body());
        // each appender writes its lines in order: once its last line is there, so are the others
        String log = jvm.awaitLog("the last line of every appender", text -> {
            boolean done = text.contains("\"message\":\"app 2\"");
            for (String appender : PATTERN_APPENDERS) done &= text.contains(appender + " app 2 ");
            return done;
        }, LOG_DEADLINE);
        return new HashSet<>(log.lines().toList());
    }

    private static String line(String appender, String message, String label, String requestId) {
        return appender + " " + message + " label=[" + label + "] rid=[" + requestId + "]";
    }

    private static void assertLines(AgentJvm jvm, Set<String> lines, List<String> expected) {
        List<Executable> checks = new ArrayList<>();
        for (String line : expected) {
            checks.add(() -> assertTrue(lines.contains(line), "no line '" + line + "' in the log of " + jvm));
        }
        assertAll(checks);
    }

    @Test
    void everyLineCarriesTheLabelAndRequestIdOfTheThreadThatLogged() {
        assertLines(withMdc, logTwoRequests(withMdc), expectedWithMdc());
    }

    /**
     * Log4j with every logger asynchronous (AsyncLoggerContextSelector, LMAX Disruptor): the event is filled in on the
     * logging thread (its context data too) and formatted on the Disruptor's thread; the Log4j lines are the same.
     */
    @Test
    void withLog4jAsyncLoggersEveryLineCarriesTheLabelAndRequestIdOfTheThreadThatLogged() {
        assertTrue(asyncLoggers.log().contains("[logging] log4j context: AsyncLoggerContext"),
                asyncLoggers + " does not run Log4j's async loggers");
        List<String> log4jLines = expectedWithMdc().stream().filter(l -> !l.startsWith("LB-")).toList();
        assertLines(asyncLoggers, logTwoRequests(asyncLoggers), log4jLines);
    }

    /** What the lines of every pattern appender and of the JSON layout show with graylane's MDC entries. */
    private static List<String> expectedWithMdc() {
        List<String> expected = new ArrayList<>();
        for (String appender : PATTERN_APPENDERS) {
            expected.add(line(appender, "outside", LOCAL, ""));
            expected.add(line(appender, "request 1", "dev-x", "rid-1"));
            expected.add(line(appender, "pool 1", "dev-x", "rid-1"));
            expected.add(line(appender, "app 1", "app-value", "rid-1")); // the application's own entry wins
            expected.add(line(appender, "request 2", LOCAL, "rid-2")); // no label header: the local lane
            expected.add(line(appender, "pool 2", LOCAL, "rid-2"));
            expected.add(line(appender, "app 2", "app-value", "rid-2"));
        }
        String json = "{\"appender\":\"L4-JSON\",\"message\":\"%s\",\"mdc\":{%s}}";
        expected.add(String.format(json, "outside", "\"graylane.label\":\"local-lane\""));
        expected.add(String.format(json, "request 1", "\"graylane.label\":\"dev-x\",\"graylane.request-id\":\"rid-1\""));
        expected.add(String.format(json, "pool 1", "\"graylane.label\":\"dev-x\",\"graylane.request-id\":\"rid-1\""));
        expected.add(String.format(json, "app 1", "\"graylane.label\":\"app-value\",\"graylane.request-id\":\"rid-1\""));
        return expected;
    }

    @Test
    void switchedOffTheLinesShowOnlyWhatTheApplicationPut() {
        Set<String> lines = logTwoRequests(mdcOff);
        List<String> expected = new ArrayList<>();
        for (String appender : PATTERN_APPENDERS) {
            expected.add(line(appender, "outside", "", ""));
            expected.add(line(appender, "request 1", "", ""));
            expected.add(line(appender, "pool 1", "", ""));
            expected.add(line(appender, "app 1", "app-value", ""));
            expected.add(line(appender, "request 2", "", ""));
        }
        expected.add("{\"appender\":\"L4-JSON\",\"message\":\"request 1\"}");
        assertLines(mdcOff, lines, expected);
    }

    /**
     * The WebFlux sample (sample-apps/webflux, on each line it is built for, agent) with its logger
     * {@code sample.mdc} on and {@link #PATTERN} as its console pattern: each backend call is logged where the reactive
     * pattern makes it, after its thread hop ({@code publishOn(parallel)}, {@code subscribeOn}, {@code boundedElastic},
     * the application's executor, {@code Mono.delay}, {@code delayElements}, retry, {@code cache()}, {@code share()},
     * ...), and again where its answer arrives (a client event loop, or boundedElastic for the blocking client); ticks
     * are logged outside any request on the server's event loops and Reactor's schedulers meanwhile.
     */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract class OnReactiveThreads {

        static final String PATTERN = "[mdc] %m thread=%t label=%X{graylane.label:--} request-id=%X{graylane.request-id:--}%n";
        private static final int REQUESTS = Integer.getInteger("graylane.it.mdc.reactive.requests", 400);
        private static final int CONNECTIONS = 16;
        private static final int LANES = 6;
        private static final Pattern CALL_LINE = Pattern.compile(
                "^\\[mdc\\] \\[webflux\\] (hop|answer) pattern=(\\S+) id=(\\S+) thread=(\\S+) label=(\\S+) request-id=(\\S+)$",
                Pattern.MULTILINE);
        private static final Pattern TICK_LINE = Pattern.compile(
                "^\\[mdc\\] \\[webflux\\] tick thread=(\\S+) label=(\\S+) request-id=(\\S+)$", Pattern.MULTILINE);

        private AgentJvm backend;
        private AgentJvm webflux;

        /** The WebFlux sample built on one line, named {@code name}, calling {@code backendUrl}. */
        abstract AgentJvm.Builder webflux(String name, String backendUrl);

        @BeforeAll
        @Timeout(value = 4, unit = TimeUnit.MINUTES)
        void start() {
            AgentJvm.Builder backendBuilder = SampleApps.backend("mdc-reactive-backend", null).withAgent(false);
            AgentJvm.Builder webfluxBuilder = webflux("mdc-reactive-" + getClass().getSimpleName(), backendBuilder.baseUrl())
                    .env("ASM_TRAFFIC_TAG", ReactivePropagationIT.WEBFLUX_LANE)
                    .args("--logging.pattern.console=" + PATTERN, "--logging.level.sample.mdc=INFO");
            List<AgentJvm> jvms = AgentJvm.startAll(backendBuilder, webfluxBuilder);
            backend = jvms.get(0);
            webflux = jvms.get(1);
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(webflux, backend);
        }

        /**
         * {@value #CONNECTIONS} clients send {@link #REQUESTS} requests over every pattern and both reactive clients
         * (annotated and functional route), {@value #LANES} lanes, one in five without a label: every line logged for
         * a request shows its label (the service's own lane when it had none) and its request id, and every tick logged
         * meanwhile on the same threads the service's own lane and no request id.
         */
        @Test
        @Timeout(value = 5, unit = TimeUnit.MINUTES)
        void underMixedLoadEveryLineShowsItsOwnRequestsLabelAndId() throws Exception {
            List<String[]> targets = new ArrayList<>(); // {pattern, client}
            ReactivePropagationIT.patternsAndClients().forEach(a -> targets.add(new String[] {(String) a.get()[0],
                    (String) a.get()[1]}));
            Map<String, String> labels = new HashMap<>(); // request id -> the label its lines must show
            Map<String, Integer> calls = new HashMap<>(); // request id -> backend calls of its pattern
            List<Callable<String>> requests = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                String[] target = targets.get(i % targets.size());
                String id = "mdc-rx-" + i;
                String label = i % 5 == 4 ? null : "lane-" + (i % LANES);
                labels.put(id, label == null ? ReactivePropagationIT.WEBFLUX_LANE : label);
                calls.put(id, ReactivePropagationIT.PATTERNS.get(target[0]));
                String url = webflux.url(Http.withQuery(i % 2 == 0 ? "/echo" : "/fn/echo", "pattern", target[0],
                        "client", target[1]));
                requests.add(() -> {
                    Http.Response response = label == null ? Http.get(url, REQUEST_ID, id)
                            : Http.get(url, LABEL, label, REQUEST_ID, id);
                    String problem = ReactivePropagationIT.check(response, false, target[0], labels.get(id), id);
                    return problem == null ? null : id + ": " + problem;
                });
            }
            List<String> failed = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(CONNECTIONS);
            try {
                for (Future<String> outcome : clients.invokeAll(requests)) {
                    if (outcome.get() != null) failed.add(outcome.get());
                }
            } finally {
                clients.shutdownNow();
            }
            assertEquals(List.of(), failed.subList(0, Math.min(10, failed.size())), failed.size() + " of " + REQUESTS
                    + " requests failed or their backend calls lacked their label or id");

            int expectedLines = 2 * calls.values().stream().mapToInt(n -> n).sum();
            String log = webflux.awaitLog("a hop and an answer line per backend call of every request",
                    text -> callLines(text, labels.keySet()).size() == expectedLines, LOG_DEADLINE);
            List<String> wrong = new ArrayList<>();
            Map<String, Set<String>> threads = new TreeMap<>(); // hop / answer -> thread kinds
            Map<String, Integer> lines = new HashMap<>();
            int firstCall = Integer.MAX_VALUE;
            int lastCall = -1;
            for (MatchResult m : callLines(log, labels.keySet())) {
                String id = m.group(3);
                lines.merge(id, 1, Integer::sum);
                threads.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(4).replaceAll("-?\\d+$", ""));
                if (!m.group(5).equals(labels.get(id)) || !m.group(6).equals(id)) wrong.add(m.group());
                firstCall = Math.min(firstCall, m.start());
                lastCall = Math.max(lastCall, m.start());
            }
            calls.forEach((id, n) -> {
                if (lines.getOrDefault(id, 0) != 2 * n) {
                    wrong.add(id + ": " + lines.get(id) + " lines, expected " + 2 * n);
                }
            });

            List<String> wrongTicks = new ArrayList<>();
            Set<String> tickThreads = new TreeSet<>();
            int ticksDuringLoad = 0;
            String own = ReactivePropagationIT.WEBFLUX_LANE;
            for (Matcher m = TICK_LINE.matcher(log); m.find(); ) {
                if (m.start() > firstCall && m.start() < lastCall) {
                    ticksDuringLoad++;
                    tickThreads.add(m.group(1));
                }
                if (!m.group(2).equals(own) || !m.group(3).equals("-")) wrongTicks.add(m.group());
            }
            int logged = lines.values().stream().mapToInt(n -> n).sum();
            System.out.printf("[mdc reactive] %s, java %d: %d requests (%d unlabelled), %d call lines, %d wrong or "
                            + "missing; threads %s; %d ticks during the load on %s, %d wrong%n",
                    getClass().getSimpleName(), Artifacts.javaFeatureVersion(), REQUESTS, REQUESTS / 5, logged,
                    wrong.size(), threads, ticksDuringLoad, tickThreads, wrongTicks.size());
            assertEquals(List.of(), wrong.subList(0, Math.min(10, wrong.size())),
                    wrong.size() + " log lines of requests with a wrong or missing label or id");
            assertEquals(List.of(), wrongTicks.subList(0, Math.min(10, wrongTicks.size())),
                    wrongTicks.size() + " ticks outside any request showed a request's context");
            assertTrue(threads.get("hop").containsAll(List.of("parallel", "boundedElastic", "app-pool"))
                    && threads.get("answer").stream().anyMatch(t -> t.startsWith("reactor-http-")),
                    "the lines were not logged on the threads the hops lead to: " + threads);
            assertTrue(tickThreads.stream().anyMatch(t -> t.startsWith("reactor-http-"))
                    && tickThreads.stream().anyMatch(t -> t.startsWith("parallel-")),
                    "no ticks on the event loops and the parallel scheduler during the load: " + tickThreads);
        }

        /** The hop and answer lines of the requests in {@code ids}. */
        private static List<MatchResult> callLines(String log, Collection<String> ids) {
            List<MatchResult> found = new ArrayList<>();
            for (Matcher m = CALL_LINE.matcher(log); m.find(); ) {
                if (ids.contains(m.group(3))) found.add(m.toMatchResult());
            }
            return found;
        }
    }

    /** Spring Boot 4.0.7: Reactor Netty 1.3.6, reactor-core 3.8.6, Logback 1.5.34. */
    @Nested
    class OnSpringBoot4 extends OnReactiveThreads {

        @Override
        AgentJvm.Builder webflux(String name, String backendUrl) {
            return SampleApps.webflux(name, backendUrl);
        }
    }

    /** Spring Boot 3.5.7: Reactor Netty 1.2.11, reactor-core 3.7.12, Logback 1.5.20. */
    @Nested
    class OnSpringBoot3 extends OnReactiveThreads {

        @Override
        AgentJvm.Builder webflux(String name, String backendUrl) {
            return SampleApps.webfluxBoot3(name, backendUrl);
        }
    }

    /** Spring Boot 2.7.18: Reactor Netty 1.0.39, reactor-core 3.4.34, Logback 1.2.12 (SLF4J 1.7.36). */
    @Nested
    class OnSpringBoot27 extends OnReactiveThreads {

        @Override
        AgentJvm.Builder webflux(String name, String backendUrl) {
            return SampleApps.webfluxBoot2(name, backendUrl);
        }
    }
}
