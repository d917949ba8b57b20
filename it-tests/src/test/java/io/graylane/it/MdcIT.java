package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The label and the request id in every log line (graylane.mdc.*): the logging sample (sample-apps/logging) logs
 * through Logback 1.5 and Log4j 2 (pattern layouts with {@code %X{graylane.label}} and {@code %X{graylane.request-id}},
 * synchronous and async appenders, Log4j's JSON template layout) outside any request, inside a labelled and an
 * unlabelled request, inside a pool task of each, and with the application's own MDC / ThreadContext entry under
 * {@code graylane.label}. The same service with {@code graylane.mdc.enabled=false} shows none of graylane's values.
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

    @BeforeAll
    void start() {
        AgentJvm.Builder on = AgentJvm.classpathBuilder("mdc-on", Artifacts.loggingClassPath(), MAIN)
                .env("ASM_TRAFFIC_TAG", LOCAL);
        on.args(Integer.toString(on.port()));
        AgentJvm.Builder off = AgentJvm.classpathBuilder("mdc-off", Artifacts.loggingClassPath(), MAIN)
                .env("ASM_TRAFFIC_TAG", LOCAL)
                .systemProperty("graylane.mdc.enabled", "false");
        off.args(Integer.toString(off.port()));
        List<AgentJvm> jvms = AgentJvm.startAll(on, off);
        withMdc = jvms.get(0);
        mdcOff = jvms.get(1);
    }

    @AfterAll
    void stop() {
        AgentJvm.closeAll(withMdc, mdcOff);
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
        Set<String> lines = logTwoRequests(withMdc);
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
        assertLines(withMdc, lines, expected);
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
}
