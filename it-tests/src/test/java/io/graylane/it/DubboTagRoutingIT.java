package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Lanes without a mesh: Dubbo's own tag router, driven by graylane ({@code graylane.route.dubbo-tag=true}). Per Dubbo
 * line, an embedded ZooKeeper registry, two ratings providers (agent; lane {@code base} and lane {@code dev-x}), and
 * three dubbo-fronts calling ratings through the registry: one in lane {@code base} and one in lane {@code dev-x}, both
 * with tag routing, and one in lane {@code base} with the agent but tag routing left at its default (off), the
 * control. Every ratings answer names the lane of the instance that served it ({@code "lane"}). Dubbo 3.3 runs the
 * shaded sample jars; 3.2 and 2.7 run the same classes on their own class paths (2.7.23: the ZooKeeper registry of
 * its all-in-one jar with curator 5 and the ZooKeeper 3.9 client; its tag router behaves the same, fallback included).
 */
@ExtendWith(JvmLogTail.class)
class DubboTagRoutingIT {

    static final String BASE = "base";
    static final String DEV_X = "dev-x";
    private static final String ROUTE = "graylane.route.dubbo-tag";
    private static final Duration DISCOVERY_TIMEOUT = Duration.ofSeconds(30);
    /** Calls per check: with two providers and random load balancing, 30 calls all to one lane by chance is 2^-29. */
    private static final int CALLS = 30;

    @Nested
    class Dubbo33 extends Lanes {
        Dubbo33() {
            super(null);
        }
    }

    @Nested
    class Dubbo32 extends Lanes {
        Dubbo32() {
            super("32");
        }
    }

    @Nested
    class Dubbo27 extends Lanes {
        Dubbo27() {
            super("27");
        }
    }

    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    abstract static class Lanes {

        /** null: Dubbo 3.3 (the shaded sample jars); else the line whose class path runs the same classes. */
        private final String line;
        private TestingServer zooKeeper;
        private AgentJvm backend;
        private AgentJvm ratingsBase;
        private AgentJvm ratingsDevX;
        private AgentJvm frontBase;
        private AgentJvm frontDevX;
        private AgentJvm frontWithoutRouting;

        Lanes(String line) {
            this.line = line;
        }

        @BeforeAll
        void start() throws Exception {
            zooKeeper = new TestingServer(new InstanceSpec(null, AgentJvm.freePort(), -1, -1, true, -1, -1, -1,
                    Map.of("clientPortAddress", "127.0.0.1"), "127.0.0.1"), true);
            String registry = "zookeeper://127.0.0.1:" + zooKeeper.getPort();
            String suffix = line == null ? "" : "-" + line;
            AgentJvm.Builder backendBuilder = SampleApps.backend("tag-backend" + suffix, null).withAgent(false);
            String backendUrl = backendBuilder.baseUrl();
            AgentJvm.Builder base = ratings("tag-ratings-base" + suffix, backendUrl, registry).env("ASM_TRAFFIC_TAG", BASE);
            AgentJvm.Builder devX = ratings("tag-ratings-dev-x" + suffix, backendUrl, registry).env("ASM_TRAFFIC_TAG", DEV_X);
            String target = "zk=" + registry + "?protocol=dubbo";
            AgentJvm.Builder fBase = front("tag-front-base" + suffix, backendUrl, target).env("ASM_TRAFFIC_TAG", BASE);
            AgentJvm.Builder fDevX = front("tag-front-dev-x" + suffix, backendUrl, target).env("ASM_TRAFFIC_TAG", DEV_X);
            AgentJvm.Builder control = front("tag-front-no-routing" + suffix, backendUrl, target)
                    .env("ASM_TRAFFIC_TAG", BASE);
            List<AgentJvm> started = AgentJvm.startAll(backendBuilder, base.systemProperty(ROUTE, "true"),
                    devX.systemProperty(ROUTE, "true"), fBase.systemProperty(ROUTE, "true"),
                    fDevX.systemProperty(ROUTE, "true"), control);
            backend = started.get(0);
            ratingsBase = started.get(1);
            ratingsDevX = started.get(2);
            frontBase = started.get(3);
            frontDevX = started.get(4);
            frontWithoutRouting = started.get(5);
            if (line != null) {
                String version = Artifacts.dubboVersion(line);
                for (AgentJvm ratings : List.of(ratingsBase, ratingsDevX)) {
                    ratings.awaitLog("Dubbo " + version + " in the provider's ready line",
                            log -> log.contains("(Dubbo " + version + ")"), Duration.ofSeconds(10));
                }
            }
            // each consumer has found both providers once each lane answers
            for (AgentJvm front : List.of(frontBase, frontDevX)) {
                awaitLane(front, BASE, BASE);
                awaitLane(front, DEV_X, DEV_X);
            }
        }

        @AfterAll
        void stop() throws Exception {
            AgentJvm.closeAll(frontWithoutRouting, frontDevX, frontBase, ratingsDevX, ratingsBase, backend);
            if (zooKeeper != null) zooKeeper.close();
        }

        private AgentJvm.Builder ratings(String name, String backendUrl, String registry) {
            AgentJvm.Builder builder = line == null
                    ? SampleApps.ratings(name, backendUrl, "dubbo", registry)
                    : SampleApps.ratingsOn(line, name, backendUrl, "dubbo", registry);
            return builder.withAgent(true);
        }

        private AgentJvm.Builder front(String name, String backendUrl, String target) {
            AgentJvm.Builder builder = line == null
                    ? SampleApps.dubboFront(name, backendUrl, target)
                    : SampleApps.dubboFrontOn(line, name, backendUrl, target);
            return builder.withAgent(true);
        }

        @Test
        @Order(1)
        void labelledCallsFromEitherLaneReachTheLabelsProviders() {
            assertEquals(Map.of(DEV_X, CALLS), lanes(frontBase, DEV_X));
            assertEquals(Map.of(DEV_X, CALLS), lanes(frontDevX, DEV_X));
        }

        @Test
        @Order(1)
        void unlabelledCallsFromTheBaseLaneNeverReachDevX() {
            assertEquals(Map.of(BASE, CALLS), lanes(frontBase, null));
            assertEquals(Map.of(BASE, CALLS), lanes(frontBase, BASE));
        }

        /** The dev-x consumer's own lane is the label of a request that arrives without one. */
        @Test
        @Order(1)
        void unlabelledCallsFromTheDevXLaneStayInDevXAndBaseLabelledOnesGoToBase() {
            assertEquals(Map.of(DEV_X, CALLS), lanes(frontDevX, null));
            assertEquals(Map.of(BASE, CALLS), lanes(frontDevX, BASE));
        }

        @Test
        @Order(1)
        void aLabelWhoseLaneHasNoProviderFallsBackToBase() {
            assertEquals(Map.of(BASE, CALLS), lanes(frontBase, "dev-y"));
            assertEquals(Map.of(BASE, CALLS), lanes(frontDevX, "dev-y"));
        }

        /**
         * The control: a consumer with the same agent but tag routing off (the default) sends no Dubbo tag, so Dubbo's
         * tag router keeps its calls on the untagged (base) providers, labelled or not: what sends dev-x calls to dev-x
         * above is graylane's tag, and the dev-x provider is registered with one.
         */
        @Test
        @Order(1)
        void withoutTagRoutingOnTheConsumerLabelledCallsNeverReachDevX() {
            awaitLane(frontWithoutRouting, DEV_X, BASE);
            assertEquals(Map.of(BASE, CALLS), lanes(frontWithoutRouting, DEV_X));
        }

        /** Last: the dev-x provider stops; its calls fall back to base once the registry says so, and none fails after. */
        @Test
        @Order(2)
        void whenTheDevXProviderStopsItsCallsFallBackToBase() {
            long stopped = System.nanoTime();
            ratingsDevX.close();
            awaitLane(frontBase, DEV_X, BASE);
            long fallbackMillis = (System.nanoTime() - stopped) / 1_000_000;
            System.out.printf("[dubbo tag routing %s] dev-x provider stopped: dev-x calls served by base after %d ms%n",
                    line == null ? "3.3" : line, fallbackMillis);
            assertEquals(Map.of(BASE, CALLS), lanes(frontBase, DEV_X));
            assertEquals(Map.of(BASE, CALLS), lanes(frontDevX, null));
        }

        /** Polls until a call with {@code label} (null: none) is served by {@code lane}; fails at the deadline. */
        private static void awaitLane(AgentJvm front, String label, String lane) {
            long deadline = System.nanoTime() + DISCOVERY_TIMEOUT.toNanos();
            String last = null;
            while (System.nanoTime() - deadline < 0) {
                Http.Response response = call(front, label);
                if (response.status() == 200 && lane.equals(response.json().path("downstream").path("lane").asText())) {
                    return;
                }
                last = response.toString();
                pause();
            }
            fail(front + ": a call labelled " + label + " never reached lane " + lane + " within " + DISCOVERY_TIMEOUT
                    + "; last answer: " + last);
        }

        /** {@link #CALLS} calls with {@code label}: how many each ratings lane served; every call must succeed. */
        private static Map<String, Integer> lanes(AgentJvm front, String label) {
            Map<String, Integer> lanes = new TreeMap<>();
            for (int i = 0; i < CALLS; i++) {
                Http.Response response = call(front, label);
                JsonNode ratings = Echo.downstream(response);
                assertTrue(ratings.path("lane").isTextual(), () -> "no lane in " + response);
                lanes.merge(ratings.path("lane").asText(), 1, Integer::sum);
            }
            return lanes;
        }

        /** Between two polls of a condition that has a deadline. */
        private static void pause() {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private static Http.Response call(AgentJvm front, String label) {
            return label == null ? Http.get(front.url("/call/zk")) : Http.get(front.url("/call/zk"), LABEL, label);
        }
    }
}
