package io.graylane.it;

import static io.graylane.it.Echo.assertField;
import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several web applications in one standalone Tomcat 11 (the distribution, started with the agent), each bundling its
 * own versions of the instrumented clients in WEB-INF/lib: OkHttp 3 with Apache HttpClient 4, OkHttp 5 with Apache
 * HttpClient 5, and a Spring Boot WAR (Spring MVC; RestClient on the JDK HttpClient and on its own HttpClient 5). Each
 * calls a backend that runs WITHOUT the agent and sets no header itself: what the backend receives was put there by
 * graylane. Undeploying an application leaves its class loader to the garbage collector.
 */
@ExtendWith(JvmLogTail.class)
class TomcatWebAppsIT {

    /** ASM_TRAFFIC_TAG of the Tomcat JVM. */
    private static final String TOMCAT_LANE = "tomcat-lane";
    /** How long Tomcat's findleaks is asked again (each time after a full GC) for an undeployed loader to go. */
    private static final Duration LEAK_TIMEOUT = Duration.ofSeconds(20);

    private static AgentJvm backend;
    private static AgentJvm tomcat;

    @BeforeAll
    static void startServices() {
        AgentJvm.Builder backendBuilder = SampleApps.backend("backend", null).withAgent(false);
        AgentJvm.Builder tomcatBuilder = new StandaloneTomcat()
                .war("okhttp3", Artifacts.webappOkHttp3HttpClient4War())
                .war("okhttp5", Artifacts.webappOkHttp5HttpClient5War())
                .war("spring", Artifacts.springBootWar())
                // undeployed by the leak tests only, so the tests above do not depend on the order they run in
                .war("undeployed", Artifacts.webappOkHttp3HttpClient4War())
                .war("undeployed-leaky", Artifacts.webappOkHttp3HttpClient4War())
                .builder("tomcat")
                .env("ASM_TRAFFIC_TAG", TOMCAT_LANE)
                .systemProperty("backend.url", backendBuilder.baseUrl())
                .startupTimeout(Duration.ofSeconds(120));
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, tomcatBuilder);
        backend = started.get(0);
        tomcat = started.get(1);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(tomcat, backend);
    }

    /** Web application, client, and the jar the client must come from (the application's own WEB-INF/lib). */
    static Stream<Arguments> applicationsAndClients() {
        return Stream.of(
                Arguments.of("okhttp3", "okhttp", "/WEB-INF/lib/okhttp-3."),
                Arguments.of("okhttp3", "apache", "/WEB-INF/lib/httpclient-4."),
                Arguments.of("okhttp5", "okhttp", "/WEB-INF/lib/okhttp-jvm-5."),
                Arguments.of("okhttp5", "apache", "/WEB-INF/lib/httpclient5-5."),
                Arguments.of("spring", "jdk", "jrt:/java.net.http"),
                Arguments.of("spring", "apache", "/WEB-INF/lib/httpclient5-5."));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("applicationsAndClients")
    void theInboundLabelAndRequestIdReachTheBackend(String application, String client, String library) {
        String requestId = UUID.randomUUID().toString();

        Http.Response response = Http.get(tomcat.url("/" + application + "/call/" + client),
                LABEL, "lane-a", REQUEST_ID, requestId);

        JsonNode received = backendReceived(response, application, client, library);
        assertHeaderOnce(received, LABEL, "lane-a", response);
        assertHeaderOnce(received, REQUEST_ID, requestId, response);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("applicationsAndClients")
    void withoutAnInboundLabelTheLocalLabelIsSent(String application, String client, String library) {
        Http.Response response = Http.get(tomcat.url("/" + application + "/call/" + client));

        assertHeaderOnce(backendReceived(response, application, client, library), LABEL, TOMCAT_LANE, response);
    }

    /**
     * Tomcat's findleaks (the manager application: a full GC, then the undeployed applications whose class loader is
     * still reachable) names the application that pins its own loader, and only that one: the check can fail, and
     * nothing of graylane keeps the loader of an application whose classes it instrumented (OkHttp's, Apache
     * HttpClient's, the application's filter) and whose requests it served.
     */
    @Test
    void anUndeployedApplicationLeavesNoClassLoaderBehind() {
        for (String application : List.of("undeployed", "undeployed-leaky")) {
            for (String client : List.of("okhttp", "apache")) {
                Http.Response response = Http.get(tomcat.url("/" + application + "/call/" + client), LABEL, "lane-a");
                assertHeaderOnce(Echo.downstream(response), LABEL, "lane-a", response);
            }
        }
        Http.Response leak = Http.get(tomcat.url("/undeployed-leaky/call/leak"));
        assertEquals(200, leak.status(), () -> "the deliberate leak was not set up: " + leak);

        assertManagerOk(StandaloneTomcat.manager(tomcat, "undeploy?path=/undeployed"));
        assertManagerOk(StandaloneTomcat.manager(tomcat, "undeploy?path=/undeployed-leaky"));

        long deadline = System.nanoTime() + LEAK_TIMEOUT.toNanos();
        List<String> leaked;
        while (true) {
            leaked = findLeaks();
            if (!leaked.contains("/undeployed") || System.nanoTime() - deadline > 0) {
                break;
            }
        }
        List<String> found = leaked;
        assertTrue(found.contains("/undeployed-leaky"), () -> "findleaks did not name the application that pins its own"
                + " class loader, so it cannot show a leak either; it named " + found);
        assertTrue(!found.contains("/undeployed"), () -> "the class loader of the undeployed application /undeployed is"
                + " still reachable after a full GC (Tomcat's findleaks, for " + LEAK_TIMEOUT + "): " + found
                + "\na heap dump (jcmd " + tomcat.pid() + " GC.heap_dump FILE) shows what holds it");
    }

    /** The context paths findleaks names, after the full GC it triggers. */
    private static List<String> findLeaks() {
        Http.Response response = StandaloneTomcat.manager(tomcat, "findleaks?statusLine=true");
        List<String> lines = response.body().lines().toList();
        if (lines.isEmpty() || !(lines.get(0).startsWith("OK") || lines.get(0).startsWith("FAIL"))) {
            fail("unexpected findleaks answer: " + response);
        }
        return lines.subList(1, lines.size()).stream().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    private static void assertManagerOk(Http.Response response) {
        assertTrue(response.body().startsWith("OK"), () -> "the manager application answered " + response);
    }

    /** The application answered 200 for {@code client}, loaded from {@code library}; returns what the backend received. */
    private static JsonNode backendReceived(Http.Response response, String application, String client, String library) {
        JsonNode answer = Echo.ok(response);
        assertField(answer, "service", application, response);
        assertField(answer, "client", client, response);
        String loadedFrom = answer.path("library").asText();
        assertTrue(loadedFrom.contains(library), () -> "expected the client class from " + library + ", it came from "
                + loadedFrom + (library.startsWith("/WEB-INF") ? " (not this application's own WEB-INF/lib)" : ""));
        if (library.startsWith("/WEB-INF")) {
            assertTrue(loadedFrom.contains("/" + application + "/WEB-INF/lib/"), () -> "expected the client class from "
                    + application + "'s own WEB-INF/lib, it came from " + loadedFrom);
        }
        return Echo.downstream(answer, response);
    }

}
