package io.graylane.it;

import static io.graylane.it.SampleApps.FRONT_LANE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The quick start's demo client ({@code demo.sh} runs {@code DemoClient FRONT_URL CLIENT} after starting the chain):
 * against the demo's chain, front (agent) -> backend (agent) -> backend (no agent), it prints every hop with the
 * label it saw. It reads the services' JSON with a small reader of its own, which a new field type once stopped.
 */
@ExtendWith(JvmLogTail.class)
class DemoClientIT {

    private static AgentJvm leaf;
    private static AgentJvm middle;
    private static AgentJvm front;

    @BeforeAll
    static void startChain() {
        AgentJvm.Builder leafBuilder = SampleApps.backend("demo-leaf", null).withAgent(false);
        AgentJvm.Builder middleBuilder = SampleApps.backend("demo-middle", leafBuilder.baseUrl()).withAgent(true)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        AgentJvm.Builder frontBuilder = SampleApps.front("demo-front", middleBuilder.baseUrl()).withAgent(true)
                .env("ASM_TRAFFIC_TAG", FRONT_LANE);
        List<AgentJvm> started = AgentJvm.startAll(leafBuilder, middleBuilder, frontBuilder);
        leaf = started.get(0);
        middle = started.get(1);
        front = started.get(2);
    }

    @AfterAll
    static void stopChain() {
        AgentJvm.closeAll(front, middle, leaf);
    }

    @Test
    void printsEveryHopWithTheLabelItSaw() throws Exception {
        Path output = Files.createTempFile("demo-client", ".txt");
        try {
            Process client = new ProcessBuilder(Artifacts.java(), "-cp", Artifacts.frontJar().toString(),
                    "io.graylane.samples.DemoClient", front.url(""), "okhttp")
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the demo client did not finish within 60 s");
            String printed = Files.readString(output, StandardCharsets.UTF_8);
            assertEquals(0, client.exitValue(), () -> "the demo client failed:\n" + printed);

            assertHop(printed, "hop 3 backend  saw x-asm-traffic-tag=dev-x ", "x-request-id=demo-req-1");
            assertHop(printed, "hop 3 backend  saw x-asm-traffic-tag=" + FRONT_LANE + " ", "x-request-id=demo-req-2");
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void assertHop(String printed, String hop, String requestId) {
        assertTrue(printed.lines().anyMatch(line -> line.trim().startsWith(hop.trim()) && line.contains(requestId)),
                () -> "expected a line '" + hop.trim() + " ... " + requestId + "' in:\n" + printed);
    }
}
