package io.graylane.it;

import static io.graylane.it.Echo.assertField;
import static io.graylane.it.Echo.assertHeaderAbsent;
import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gRPC end to end over loopback. The main chain is front (HTTP in, gRPC out) -> reviews -> reviews -> backend
 * (gRPC in, HTTP out): the front and both reviews run with the agent, the backend without it, so what a hop
 * receives beyond what the front's code sets was carried there by graylane. Every JVM of the class is launched at
 * once in {@link #startServices()} so start-ups overlap; the nested classes only group the tests by chain.
 */
@ExtendWith(JvmLogTail.class)
class GrpcPropagationIT {

    static final String REVIEWS_LANE = "reviews-lane";
    static final String LAST_REVIEWS_LANE = "last-reviews-lane";
    /** The front's calls to reviews, one per kind of stub; the streaming one gets several answers. */
    static final List<String> GRPC_CLIENTS = List.of("grpc", "grpc-future", "grpc-async", "grpc-stream");

    /** No agent: the observer at the end of every chain. */
    private static AgentJvm backend;
    /** front -> reviews -> lastReviews -> backend, all but the backend with the agent, grpc-netty-shaded 1.85. */
    private static AgentJvm front;
    private static AgentJvm reviews;
    private static AgentJvm lastReviews;
    /** frontToLast -> lastReviews -> backend: HTTP -> gRPC -> HTTP. */
    private static AgentJvm frontToLast;
    /** The same chain on grpc-netty (unshaded). */
    private static AgentJvm nettyFront;
    private static AgentJvm nettyReviews;
    /** front -> reviews -> reviews -> backend with both reviews on the oldest gRPC supported (class-path launch). */
    private static AgentJvm frontToOldest;
    private static AgentJvm oldestReviews;
    private static AgentJvm oldestLastReviews;
    /** The agent with -Dgraylane.instrumentation.grpc.enabled=false, front and reviews. */
    private static AgentJvm grpcOffFront;
    private static AgentJvm grpcOffReviews;
    /** No agent anywhere: the control. */
    private static AgentJvm plainFront;
    private static AgentJvm plainReviews;

    @BeforeAll
    static void startServices() {
        AgentJvm.Builder backendB = SampleApps.backend("backend", null).withAgent(false);
        String backendUrl = backendB.baseUrl();

        AgentJvm.Builder lastReviewsB = withAgent(SampleApps.reviews("last-reviews", backendUrl), LAST_REVIEWS_LANE);
        AgentJvm.Builder reviewsB = withAgent(SampleApps.reviews("reviews", grpc(lastReviewsB)), REVIEWS_LANE);
        AgentJvm.Builder frontB = withAgent(SampleApps.front("front", backendUrl, reviewsB.address()), FRONT_LANE);
        AgentJvm.Builder frontToLastB = withAgent(
                SampleApps.front("front-to-last", backendUrl, lastReviewsB.address()), FRONT_LANE);

        AgentJvm.Builder nettyReviewsB = withAgent(SampleApps.reviews("reviews-netty", backendUrl), REVIEWS_LANE)
                .systemProperty("grpc.transport", "netty");
        AgentJvm.Builder nettyFrontB = withAgent(
                SampleApps.front("front-netty", backendUrl, nettyReviewsB.address()), FRONT_LANE)
                .systemProperty("grpc.transport", "netty");

        List<java.nio.file.Path> oldest = Artifacts.grpcOldestJars();
        AgentJvm.Builder oldestLastReviewsB = withAgent(
                SampleApps.reviewsOn("last-reviews-grpc-oldest", backendUrl, oldest), LAST_REVIEWS_LANE);
        AgentJvm.Builder oldestReviewsB = withAgent(
                SampleApps.reviewsOn("reviews-grpc-oldest", grpc(oldestLastReviewsB), oldest), REVIEWS_LANE);
        AgentJvm.Builder frontToOldestB = withAgent(
                SampleApps.front("front-to-grpc-oldest", backendUrl, oldestReviewsB.address()), FRONT_LANE);

        AgentJvm.Builder grpcOffReviewsB = withAgent(SampleApps.reviews("reviews-grpc-off", backendUrl), REVIEWS_LANE)
                .systemProperty("graylane.instrumentation.grpc.enabled", "false");
        AgentJvm.Builder grpcOffFrontB = withAgent(
                SampleApps.front("front-grpc-off", backendUrl, grpcOffReviewsB.address()), FRONT_LANE)
                .systemProperty("graylane.instrumentation.grpc.enabled", "false");

        AgentJvm.Builder plainReviewsB = SampleApps.reviews("reviews-no-agent", backendUrl).withAgent(false)
                .env("ASM_TRAFFIC_TAG", REVIEWS_LANE);
        AgentJvm.Builder plainFrontB = SampleApps.front("front-no-agent", backendUrl, plainReviewsB.address())
                .withAgent(false).env("ASM_TRAFFIC_TAG", FRONT_LANE);

        List<AgentJvm> started = AgentJvm.startAll(backendB, lastReviewsB, reviewsB, frontB, frontToLastB,
                nettyReviewsB, nettyFrontB, oldestLastReviewsB, oldestReviewsB, frontToOldestB,
                grpcOffReviewsB, grpcOffFrontB, plainReviewsB, plainFrontB);
        int i = 0;
        backend = started.get(i++);
        lastReviews = started.get(i++);
        reviews = started.get(i++);
        front = started.get(i++);
        frontToLast = started.get(i++);
        nettyReviews = started.get(i++);
        nettyFront = started.get(i++);
        oldestLastReviews = started.get(i++);
        oldestReviews = started.get(i++);
        frontToOldest = started.get(i++);
        grpcOffReviews = started.get(i++);
        grpcOffFront = started.get(i++);
        plainReviews = started.get(i++);
        plainFront = started.get(i);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(plainFront, plainReviews, grpcOffFront, grpcOffReviews, frontToOldest, oldestReviews,
                oldestLastReviews, nettyFront, nettyReviews, frontToLast, front, reviews, lastReviews, backend);
    }

    static Stream<String> grpcClients() {
        return GRPC_CLIENTS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grpcClients")
    void labelAndRequestIdReachEveryHopOfHttpGrpcGrpcHttp(String client) {
        String requestId = uniqueId();
        String traceparent = "00-" + hex(32) + "-" + hex(16) + "-01";

        Http.Response response = Http.get(front.url("/call/" + client),
                LABEL, "lane-a", REQUEST_ID, requestId, "traceparent", traceparent);

        for (Chain chain : chains(response, client)) {
            for (JsonNode hop : List.of(chain.reviews, chain.lastReviews, chain.backend)) {
                assertHeaderOnce(hop, LABEL, "lane-a", response);
                assertHeaderOnce(hop, REQUEST_ID, requestId, response);
                assertHeaderOnce(hop, "traceparent", traceparent, response);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grpcClients")
    void withoutAnInboundLabelTheFrontsLocalLabelTravels(String client) {
        Http.Response response = Http.get(front.url("/call/" + client));

        for (Chain chain : chains(response, client)) {
            assertHeaderOnce(chain.reviews, LABEL, FRONT_LANE, response);
            assertHeaderOnce(chain.lastReviews, LABEL, FRONT_LANE, response);
            assertHeaderOnce(chain.backend, LABEL, FRONT_LANE, response);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("grpcClients")
    void metadataTheApplicationSetsWins(String client) {
        String path = Http.withQuery("/call/" + client,
                "set-header", LABEL + ":app-set", "set-header", REQUEST_ID + ":app-id");

        Http.Response response = Http.get(front.url(path), LABEL, "lane-a", REQUEST_ID, "r-in-" + uniqueId());

        for (Chain chain : chains(response, client)) {
            assertHeaderOnce(chain.reviews, LABEL, "app-set", response);
            assertHeaderOnce(chain.reviews, REQUEST_ID, "app-id", response);
            // reviews took the label it received as its own, and passed it on
            assertHeaderOnce(chain.backend, LABEL, "app-set", response);
            assertHeaderOnce(chain.backend, REQUEST_ID, "app-id", response);
        }
    }

    @Test
    void httpToGrpcToHttpCarriesLabelAndRequestId() {
        String requestId = uniqueId();

        Http.Response response = Http.get(frontToLast.url("/call/grpc"), LABEL, "lane-a", REQUEST_ID, requestId);

        JsonNode reviewsReceived = reviewsReceived(response, "grpc");
        JsonNode backendReceived = Echo.downstream(reviewsReceived, response);
        assertField(backendReceived, "service", "backend", response);
        for (JsonNode hop : List.of(reviewsReceived, backendReceived)) {
            assertHeaderOnce(hop, LABEL, "lane-a", response);
            assertHeaderOnce(hop, REQUEST_ID, requestId, response);
        }
    }

    /** grpc-trace-bin is binary metadata: the bytes that arrive over HTTP (base64) are the bytes gRPC hops get. */
    @Test
    void grpcTraceBinTravelsAsTheSameBytes() {
        byte[] traceContext = new byte[29];
        ThreadLocalRandom.current().nextBytes(traceContext);
        String base64 = Base64.getEncoder().encodeToString(traceContext);

        Http.Response response = Http.get(front.url("/call/grpc"), LABEL, "lane-a", "grpc-trace-bin", base64);

        Chain chain = chains(response, "grpc").get(0);
        // reviews shows binary values base64-encoded: the same text means the same bytes
        assertHeaderOnce(chain.reviews, "grpc-trace-bin", base64, response);
        assertHeaderOnce(chain.lastReviews, "grpc-trace-bin", base64, response);
        assertHeaderOnce(chain.backend, "grpc-trace-bin", base64, response);
    }

    /**
     * reviews runs its calls on one thread. Later's task runs there after the labelled call's handler returned,
     * put there by a thread that never served a call: it must carry nothing of that call, only reviews' own lane.
     */
    @Test
    void aGrpcExecutorThreadKeepsNoContextAfterACall() {
        Http.Response response = Http.get(front.url("/call/grpc-later"), LABEL, "lane-a", REQUEST_ID, uniqueId());

        JsonNode reviewsReceived = reviewsReceived(response, "grpc-later");
        assertHeaderOnce(reviewsReceived, LABEL, "lane-a", response);
        assertField(reviewsReceived, "thread", "reviews-grpc", response);
        JsonNode lastReceived = Echo.downstream(reviewsReceived, response);
        assertHeaderOnce(lastReceived, LABEL, REVIEWS_LANE, response);
        assertHeaderAbsent(lastReceived, REQUEST_ID, response);
    }

    @Test
    void theStartupLineListsGrpc() {
        String line = reviews.awaitLog("the graylane startup line", log -> log.contains("[graylane] graylane "),
                AgentJvm.STARTUP_TIMEOUT);
        String startup = line.lines().filter(l -> l.startsWith("[graylane] graylane ")).findFirst().orElseThrow();
        assertTrue(startup.matches(".*instrumentations [^ ]*\\bgrpc\\b.*"),
                () -> "expected grpc among the instrumentations of " + reviews + ": " + startup);
    }

    @Nested
    class NettyTransport {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.GrpcPropagationIT#grpcClients")
        void labelAndRequestIdReachReviewsAndTheBackend(String client) {
            String requestId = uniqueId();

            Http.Response response = Http.get(nettyFront.url("/call/" + client), LABEL, "lane-n", REQUEST_ID, requestId);

            for (JsonNode reviewsReceived : reviewsAnswers(response, client)) {
                assertTrue(Echo.values(reviewsReceived, "user-agent").toString().contains("grpc-java-netty"),
                        () -> "expected a grpc-java-netty client at reviews: " + response);
                for (JsonNode hop : List.of(reviewsReceived, Echo.downstream(reviewsReceived, response))) {
                    assertHeaderOnce(hop, LABEL, "lane-n", response);
                    assertHeaderOnce(hop, REQUEST_ID, requestId, response);
                }
            }
        }
    }

    /** Both reviews on the oldest gRPC supported; the front stays on the newest. */
    @Nested
    class OldestGrpc {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.GrpcPropagationIT#grpcClients")
        void labelAndRequestIdReachEveryHop(String client) {
            String requestId = uniqueId();

            Http.Response response = Http.get(frontToOldest.url("/call/" + client),
                    LABEL, "lane-o", REQUEST_ID, requestId);

            for (Chain chain : chains(response, client)) {
                assertTrue(Echo.values(chain.lastReviews, "user-agent").toString().contains("1.60."),
                        () -> "expected the first reviews to call the last one with grpc-java 1.60: " + response);
                for (JsonNode hop : List.of(chain.reviews, chain.lastReviews, chain.backend)) {
                    assertHeaderOnce(hop, LABEL, "lane-o", response);
                    assertHeaderOnce(hop, REQUEST_ID, requestId, response);
                }
            }
        }

        @Test
        void withoutAnInboundLabelTheFrontsLocalLabelTravels() {
            Http.Response response = Http.get(frontToOldest.url("/call/grpc"));

            Chain chain = chains(response, "grpc").get(0);
            assertHeaderOnce(chain.lastReviews, LABEL, FRONT_LANE, response);
            assertHeaderOnce(chain.backend, LABEL, FRONT_LANE, response);
        }
    }

    /** -Dgraylane.instrumentation.grpc.enabled=false on the front and on reviews. */
    @Nested
    class GrpcInstrumentationDisabled {

        @Test
        void noLabelReachesTheGrpcServer() {
            Http.Response response = Http.get(grpcOffFront.url("/call/grpc"), LABEL, "lane-a", REQUEST_ID, uniqueId());

            JsonNode reviewsReceived = reviewsReceived(response, "grpc");
            assertHeaderAbsent(reviewsReceived, LABEL, response);
            assertHeaderAbsent(reviewsReceived, REQUEST_ID, response);
            // reviews' server hook is off too: its HTTP call belongs to no request and carries its own lane
            assertHeaderOnce(Echo.downstream(reviewsReceived, response), LABEL, REVIEWS_LANE, response);
        }

        @Test
        void httpStillCarriesTheLabel() {
            Http.Response response = Http.get(grpcOffFront.url("/call/okhttp"), LABEL, "lane-a");

            JsonNode answer = Echo.ok(response);
            assertField(answer, "client", "okhttp", response);
            assertHeaderOnce(Echo.downstream(answer, response), LABEL, "lane-a", response);
        }

        @Test
        void theStartupLineDoesNotListGrpc() {
            String log = grpcOffReviews.awaitLog("the graylane startup line",
                    text -> text.contains("[graylane] graylane "), AgentJvm.STARTUP_TIMEOUT);
            String startup = log.lines().filter(l -> l.startsWith("[graylane] graylane ")).findFirst().orElseThrow();
            assertTrue(!startup.matches(".*instrumentations [^ ]*\\bgrpc\\b.*"),
                    () -> "expected no grpc among the instrumentations of " + grpcOffReviews + ": " + startup);
        }
    }

    /** The same front and reviews without the agent carry nothing: every assertion above needs it. */
    @Nested
    class WithoutTheAgent {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.graylane.it.GrpcPropagationIT#grpcClients")
        void noLabelOrRequestIdReachesReviewsOrTheBackend(String client) {
            Http.Response response = Http.get(plainFront.url("/call/" + client), LABEL, "lane-a", REQUEST_ID, uniqueId(),
                    "grpc-trace-bin", Base64.getEncoder().encodeToString(new byte[29]));

            for (JsonNode reviewsReceived : reviewsAnswers(response, client)) {
                for (JsonNode hop : List.of(reviewsReceived, Echo.downstream(reviewsReceived, response))) {
                    assertHeaderAbsent(hop, LABEL, response);
                    assertHeaderAbsent(hop, REQUEST_ID, response);
                    assertHeaderAbsent(hop, "grpc-trace-bin", response);
                }
            }
        }

        @Test
        void aTaskOnTheGrpcExecutorCarriesNoLabel() {
            Http.Response response = Http.get(plainFront.url("/call/grpc-later"), LABEL, "lane-a");

            assertHeaderAbsent(Echo.downstream(reviewsReceived(response, "grpc-later"), response), LABEL, response);
        }
    }

    /** What each hop of front -> reviews -> last reviews -> backend received, for one answer of reviews. */
    private record Chain(JsonNode reviews, JsonNode lastReviews, JsonNode backend) {
    }

    /** One chain per answer of reviews (several for the streaming call), each checked for its services. */
    private static List<Chain> chains(Http.Response response, String client) {
        List<Chain> chains = new ArrayList<>();
        for (JsonNode reviewsReceived : reviewsAnswers(response, client)) {
            JsonNode lastReceived = Echo.downstream(reviewsReceived, response);
            assertField(lastReceived, "service", "reviews", response);
            JsonNode backendReceived = Echo.downstream(lastReceived, response);
            assertField(backendReceived, "service", "backend", response);
            chains.add(new Chain(reviewsReceived, lastReceived, backendReceived));
        }
        return chains;
    }

    /** What reviews answered the front: its one answer, or each answer of the streaming call. */
    static List<JsonNode> reviewsAnswers(Http.Response response, String client) {
        JsonNode answer = Echo.ok(response);
        assertField(answer, "client", client, response);
        List<JsonNode> answers = new ArrayList<>();
        if (client.equals("grpc-stream")) {
            JsonNode replies = answer.get("replies");
            assertTrue(replies != null && replies.isArray(), () -> "expected a \"replies\" array in " + response);
            replies.forEach(answers::add);
            assertEquals(2, answers.size(), () -> "expected reviews to answer both stream messages: " + response);
        } else {
            answers.add(Echo.downstream(answer, response));
        }
        for (JsonNode reviewsReceived : answers) {
            assertField(reviewsReceived, "service", "reviews", response);
        }
        return answers;
    }

    private static JsonNode reviewsReceived(Http.Response response, String client) {
        return reviewsAnswers(response, client).get(0);
    }

    private static AgentJvm.Builder withAgent(AgentJvm.Builder builder, String lane) {
        return builder.withAgent(true).env("ASM_TRAFFIC_TAG", lane);
    }

    private static String grpc(AgentJvm.Builder reviews) {
        return "grpc://" + reviews.address();
    }

    private static String uniqueId() {
        return UUID.randomUUID().toString();
    }

    private static String hex(int digits) {
        StringBuilder hex = new StringBuilder(digits);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (hex.length() < digits) {
            hex.append(Character.forDigit(random.nextInt(16), 16));
        }
        return hex.toString();
    }
}
