package io.graylane.it;

import static io.graylane.it.Echo.assertField;
import static io.graylane.it.Echo.assertHeaderAbsent;
import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A Spring Boot 4 executable jar ({@code java -javaagent:graylane-agent.jar -jar app.jar}: Spring MVC on the embedded
 * Tomcat, every library a jar nested under BOOT-INF/lib, loaded by Boot's own class loader) calls a backend that runs
 * WITHOUT the agent with RestClient, on the JDK HttpClient and on the nested Apache HttpClient 5, setting no header
 * itself. The same application as a WAR in a standalone Tomcat is in {@link TomcatWebAppsIT}.
 */
@ExtendWith(JvmLogTail.class)
class SpringBootJarIT {

    private static final String SPRING_LANE = "spring-lane";
    /** Spring Boot starts in seconds, more with an agent on a busy 2-core machine. */
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    private static AgentJvm backend;
    private static AgentJvm spring;

    @BeforeAll
    static void startServices() {
        AgentJvm.Builder backendBuilder = SampleApps.backend("backend", null).withAgent(false);
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder,
                springBoot("spring-boot-jar", backendBuilder.baseUrl()).withAgent(true));
        backend = started.get(0);
        spring = started.get(1);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(spring, backend);
    }

    /** Client, and where its class must come from. */
    static Stream<Arguments> clients() {
        return Stream.of(
                Arguments.of("jdk", "jrt:/java.net.http"),
                Arguments.of("apache", "/!BOOT-INF/lib/httpclient5-5."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void theInboundLabelAndRequestIdReachTheBackend(String client, String library) {
        String requestId = UUID.randomUUID().toString();

        Http.Response response = Http.get(spring.url("/call/" + client), LABEL, "lane-a", REQUEST_ID, requestId);

        JsonNode received = backendReceived(response, client, library);
        assertHeaderOnce(received, LABEL, "lane-a", response);
        assertHeaderOnce(received, REQUEST_ID, requestId, response);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void withoutAnInboundLabelTheLocalLabelIsSent(String client, String library) {
        Http.Response response = Http.get(spring.url("/call/" + client));

        assertHeaderOnce(backendReceived(response, client, library), LABEL, SPRING_LANE, response);
    }

    /** The same jar without the agent forwards nothing: the assertions above need the agent. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutTheAgent {

        private AgentJvm springWithoutAgent;

        @BeforeAll
        void start() {
            springWithoutAgent = springBoot("spring-boot-jar-no-agent", backend.baseUrl()).withAgent(false).start();
        }

        @AfterAll
        void stop() {
            AgentJvm.closeAll(springWithoutAgent);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.SpringBootJarIT#clients")
        void noLabelOrRequestIdReachesTheBackend(String client, String library) {
            Http.Response response = Http.get(springWithoutAgent.url("/call/" + client),
                    LABEL, "lane-a", REQUEST_ID, UUID.randomUUID().toString());

            JsonNode received = backendReceived(response, client, library);
            assertHeaderAbsent(received, LABEL, response);
            assertHeaderAbsent(received, REQUEST_ID, response);
        }
    }

    /** {@code java -jar graylane-spring-boot.jar} on a loopback port, calling {@code backendUrl}. */
    private static AgentJvm.Builder springBoot(String name, String backendUrl) {
        AgentJvm.Builder builder = AgentJvm.builder(name, Artifacts.springBootJar());
        return builder
                .env("ASM_TRAFFIC_TAG", SPRING_LANE)
                .systemProperty("server.address", "127.0.0.1")
                .systemProperty("server.port", Integer.toString(builder.port()))
                .systemProperty("backend.url", backendUrl)
                .startupTimeout(STARTUP_TIMEOUT);
    }

    /** The application answered 200 for {@code client}, loaded from {@code library}; returns what the backend received. */
    private static JsonNode backendReceived(Http.Response response, String client, String library) {
        JsonNode answer = Echo.ok(response);
        assertField(answer, "client", client, response);
        String loadedFrom = answer.path("library").asText();
        assertTrue(loadedFrom.contains(library), () -> "expected the client class from " + library + ", it came from "
                + loadedFrom);
        return Echo.downstream(answer, response);
    }
}
