package io.graylane.it;

import static io.graylane.it.SampleApps.LABEL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Garbage in graylane's configuration, in real JVMs with the agent (each key's every value is covered by the core's
 * ConfigGarbageTest, through the pure ConfigLoader.load; here: what a user sees). Four fronts (agent) call one
 * backend (no agent):
 * <ul>
 *   <li>every key garbage, from a properties file ({@code -Dgraylane.config});</li>
 *   <li>every key garbage but the label's path (label header, the servlet and java.net.http hooks), one bad
 *       label source among good ones;</li>
 *   <li>a blank {@code graylane.label.pattern}, and a blank {@code graylane.mirror.percentage} with mirroring on:
 *       values that made the whole configuration fail before.</li>
 * </ul>
 * Each starts, names each bad key exactly once in its log with the value and what is expected, and answers; where
 * the label's path was left intact, a labelled request still carries its label to the backend.
 */
@ExtendWith(JvmLogTail.class)
class ConfigGarbageIT {

    /** One invalid value per key of the README configuration table (the first wave's keys). */
    static Map<String, String> garbage() {
        Map<String, String> g = new LinkedHashMap<>();
        g.put("graylane.label.header", "x lane\u0001");
        g.put("graylane.label.sources", "banana");
        g.put("graylane.label.local", "lane a\r\n");
        g.put("graylane.label.max-length", "99999999999999999999");
        g.put("graylane.label.pattern", "[unclosed");
        g.put("graylane.trace.headers", "bad header\u0007");
        g.put("graylane.trace.id-headers", "x id");
        g.put("graylane.trace-map.max-entries", "-1");
        g.put("graylane.trace-map.ttl", "5h");
        String[] notBooleans = {"yes", "on", "1", "\u0000", "enabled", "null", "TRUEISH", "y"};
        String[] hooks = {"servlet", "grpc", "dubbo", "okhttp", "http-url-connection", "java-http-client",
                "apache-httpclient", "executors"};
        for (int i = 0; i < hooks.length; i++) g.put("graylane.instrumentation." + hooks[i] + ".enabled", notBooleans[i]);
        g.put("graylane.mirror.enabled", "maybe");
        g.put("graylane.mirror.target", "http://127.0.0.1:70000");
        g.put("graylane.mirror.percentage", "50d");
        g.put("graylane.mirror.sample-key", "x req id");
        g.put("graylane.mirror.host-suffix", "-shadow\r\nx-evil: 1");
        g.put("graylane.mirror.label", "-bad");
        g.put("graylane.mirror.max-body-bytes", "1e9");
        g.put("graylane.mirror.queue-capacity", "0");
        g.put("graylane.mirror.timeout", "0s");
        g.put("graylane.mirror.exclude-headers", "authorization cookie");
        g.put("graylane.mirror.compare", "sometimes");
        g.put("graylane.mirror.secondary", "ftp://primary-b:21");
        g.put("graylane.mirror.compare.ignore", "$..deep");
        g.put("graylane.mirror.compare.headers", "content type");
        g.put("graylane.mirror.compare.report", "/tmp/report\u0007.jsonl");
        g.put("graylane.mirror.compare.report-max-bytes", "10");
        g.put("graylane.log.level", "verbose");
        return g;
    }

    /** Left valid in the second front: the label's path from the servlet to java.net.http. */
    static final List<String> LABEL_PATH = List.of("graylane.label.header", "graylane.instrumentation.servlet.enabled",
            "graylane.instrumentation.java-http-client.enabled");

    /** Five JVMs start at once on a machine the rest of the suite shares. */
    private static final java.time.Duration STARTUP = java.time.Duration.ofSeconds(90);

    private static AgentJvm backend;
    private static AgentJvm allGarbage;
    private static AgentJvm labelPathKept;
    private static AgentJvm blankPattern;
    private static AgentJvm blankPercentage;
    private static Map<String, String> keptGarbage;

    @BeforeAll
    static void startServices() throws IOException {
        Path dir = Files.createDirectories(Artifacts.logDir());
        Map<String, String> all = garbage();
        all.put("graylane.mirror.persentage", "50"); // an unknown key
        Path allFile = properties(dir.resolve("config-garbage-all.properties"), all);
        keptGarbage = garbage();
        LABEL_PATH.forEach(keptGarbage::remove);
        keptGarbage.put("graylane.label.sources", "header:" + LABEL + ",banana,local");
        Path keptFile = properties(dir.resolve("config-garbage-label-path-kept.properties"), keptGarbage);

        AgentJvm.Builder backendBuilder = SampleApps.backend("config-garbage-backend", null).withAgent(false)
                .startupTimeout(STARTUP);
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder,
                front("config-garbage-all", backendBuilder).systemProperty("graylane.config", allFile.toString()),
                front("config-garbage-label-path-kept", backendBuilder)
                        .systemProperty("graylane.config", keptFile.toString()),
                front("config-garbage-blank-pattern", backendBuilder).systemProperty("graylane.label.pattern", ""),
                front("config-garbage-blank-percentage", backendBuilder)
                        .systemProperty("graylane.mirror.enabled", "true")
                        .systemProperty("graylane.mirror.target", backendBuilder.baseUrl())
                        .systemProperty("graylane.mirror.percentage", "  "));
        backend = started.get(0);
        allGarbage = started.get(1);
        labelPathKept = started.get(2);
        blankPattern = started.get(3);
        blankPercentage = started.get(4);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(blankPercentage, blankPattern, labelPathKept, allGarbage, backend);
    }

    private static AgentJvm.Builder front(String name, AgentJvm.Builder backend) {
        return SampleApps.front(name, backend.baseUrl()).withAgent(true).startupTimeout(STARTUP);
    }

    private static Path properties(Path file, Map<String, String> values) throws IOException {
        Properties p = new Properties();
        p.putAll(values);
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "generated by ConfigGarbageIT: every value is invalid");
        }
        return file;
    }

    @Test
    void everyKeyGarbageIsEachNamedOnceAndTheServiceStillAnswers() {
        for (String key : garbage().keySet()) assertNamedOnce(allGarbage, key, "properties file");
        assertTrue(graylaneLines(allGarbage).stream().anyMatch(line -> line.contains("unknown key graylane.mirror.persentage")
                && line.contains("did you mean graylane.mirror.percentage?")), () -> String.join("\n", graylaneLines(allGarbage)));
        assertStartupLine(allGarbage);

        // the label header is garbage, so label propagation is off (and every hook too): the call itself is unharmed
        Http.Response response = Http.get(allGarbage.url("/call/java-http"), LABEL, "lane-b");
        Echo.assertHeaderAbsent(Echo.downstream(response), LABEL, response);
    }

    @Test
    void withTheLabelPathIntactALabelledRequestStillPropagates() {
        for (String key : keptGarbage.keySet()) assertNamedOnce(labelPathKept, key, "properties file");
        assertStartupLine(labelPathKept);

        Http.Response response = Http.get(labelPathKept.url("/call/java-http"), LABEL, "lane-b");
        Echo.assertHeaderOnce(Echo.downstream(response), LABEL, "lane-b", response);
    }

    @Test
    void aBlankLabelPatternIsReportedAndTheDefaultPatternUsed() {
        assertNamedOnce(blankPattern, "graylane.label.pattern", "system property");
        Http.Response response = Http.get(blankPattern.url("/call/java-http"), LABEL, "lane-b");
        JsonNode backendSaw = Echo.downstream(response);
        Echo.assertHeaderOnce(backendSaw, LABEL, "lane-b", response);
        Http.Response rejected = Http.get(blankPattern.url("/call/java-http"), LABEL, "lane b");
        Echo.assertHeaderAbsent(Echo.downstream(rejected), LABEL, rejected);
    }

    @Test
    void aBlankMirrorPercentageIsReportedAndLabelsStillPropagate() {
        assertNamedOnce(blankPercentage, "graylane.mirror.percentage", "system property");
        Http.Response response = Http.get(blankPercentage.url("/call/java-http"), LABEL, "lane-b");
        Echo.assertHeaderOnce(Echo.downstream(response), LABEL, "lane-b", response);
    }

    /** Exactly one line names the key as invalid, with where it came from and what is expected. */
    private static void assertNamedOnce(AgentJvm jvm, String key, String origin) {
        List<String> naming = new ArrayList<>();
        for (String line : graylaneLines(jvm)) {
            if (line.contains(" for " + key + " ")) naming.add(line);
        }
        assertEquals(1, naming.size(), () -> key + " must be named once in the log of " + jvm + ", got: " + naming
                + "\nall graylane lines:\n" + String.join("\n", graylaneLines(jvm)));
        String line = naming.get(0);
        assertTrue(line.startsWith("[graylane] WARN invalid value '") && line.contains("(from " + origin + "): expected "),
                () -> "expected the value, its origin and what is expected: " + line);
    }

    private static void assertStartupLine(AgentJvm jvm) {
        assertTrue(graylaneLines(jvm).stream().anyMatch(line -> line.startsWith("[graylane] graylane ")
                && line.contains("instrumentations ")), () -> "no start-up line in " + jvm.log());
    }

    private static List<String> graylaneLines(AgentJvm jvm) {
        try {
            return jvm.logLines().stream().filter(line -> line.startsWith("[graylane]")).toList();
        } catch (UncheckedIOException e) {
            throw new AssertionError("cannot read the log of " + jvm, e);
        }
    }
}
