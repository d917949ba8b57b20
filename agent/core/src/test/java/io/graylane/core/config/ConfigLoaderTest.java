package io.graylane.core.config;

import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ConfigLoaderTest {

    private static final Map<String, String> NONE = Collections.emptyMap();

    @TempDir
    Path dir;

    // ---- helpers ----

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    private Path file(String... lines) throws IOException {
        Path f = Files.createTempFile(dir, "graylane", ".properties");
        Files.write(f, Arrays.asList(lines), StandardCharsets.ISO_8859_1);
        return f;
    }

    private static Config sys(String... keyValues) {
        return ConfigLoader.load(null, map(keyValues), NONE);
    }

    /** The one problem that mentions all the given fragments; fails listing the problems otherwise. */
    private static String problemMentioning(Config config, String... fragments) {
        for (String p : config.problems) {
            boolean all = true;
            for (String f : fragments) all &= p.contains(f);
            if (all) return p;
        }
        fail("no problem mentions " + Arrays.toString(fragments) + "; problems: " + config.problems);
        return null;
    }

    private static List<String> sourceNames(Config config) {
        List<String> names = new ArrayList<>();
        for (LabelSource s : config.labelSources) names.add(s.toString());
        return names;
    }

    // ---- defaults ----

    @Test
    void defaultsMatchTheSpecTable() {
        Config c = ConfigLoader.load(null, NONE, NONE);

        assertEquals(Collections.emptyList(), c.problems);
        assertEquals("defaults", c.source);
        assertEquals("x-asm-traffic-tag", c.labelHeader);
        assertEquals(Arrays.asList("header:x-asm-traffic-tag", "baggage:x-asm-traffic-tag", "trace-map", "local"), sourceNames(c));
        assertNull(c.localLabel);
        assertEquals(128, c.labelMaxLength);
        assertEquals("[A-Za-z0-9][A-Za-z0-9._-]*", c.labelPattern);
        assertEquals(Arrays.asList("x-request-id", "traceparent", "tracestate", "baggage", "b3", "x-b3-traceid", "x-b3-spanid",
                "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "x-ot-span-context", "x-cloud-trace-context", "grpc-trace-bin"),
                c.traceHeaders);
        assertEquals(Arrays.asList("x-request-id", "traceparent", "x-b3-traceid"), c.traceIdHeaders);
        assertEquals(100000, c.traceMapMaxEntries);
        assertEquals(60_000L, c.traceMapTtlMillis);
        assertTrue(c.traceMapEnabled());
        assertEquals(EnumSet.allOf(Hook.class), c.enabledHooks);
        assertFalse(c.mirror.enabled);
        assertNull(c.mirror.target);
        assertEquals(100.0, c.mirror.percentage, 0.0);
        assertEquals("x-request-id", c.mirror.sampleKey);
        assertEquals("-shadow", c.mirror.hostSuffix);
        assertNull(c.mirror.label);
        assertEquals(1048576L, c.mirror.maxBodyBytes);
        assertEquals(1024, c.mirror.queueCapacity);
        assertEquals(2000L, c.mirror.timeoutMillis);
        assertEquals(Collections.emptyList(), c.mirror.excludeHeaders);
        assertEquals(Log.Level.INFO, c.logLevel);
        assertEquals("base", c.laneBase);
        assertFalse(c.routeDubboTag);
    }

    @Test
    void keysListEverySpecKeyWithItsDefault() {
        Map<String, String> spec = new HashMap<>();
        spec.put("graylane.label.header", "x-asm-traffic-tag");
        spec.put("graylane.label.sources", "header:x-asm-traffic-tag,baggage:x-asm-traffic-tag,trace-map,local");
        spec.put("graylane.label.local", null);
        spec.put("graylane.label.max-length", "128");
        spec.put("graylane.label.pattern", "[A-Za-z0-9][A-Za-z0-9._-]*");
        spec.put("graylane.trace.headers", "x-request-id,traceparent,tracestate,baggage,b3,x-b3-traceid,x-b3-spanid,"
                + "x-b3-parentspanid,x-b3-sampled,x-b3-flags,x-ot-span-context,x-cloud-trace-context,grpc-trace-bin");
        spec.put("graylane.trace.id-headers", "x-request-id,traceparent,x-b3-traceid");
        spec.put("graylane.trace-map.max-entries", "100000");
        spec.put("graylane.trace-map.ttl", "60s");
        for (String name : Arrays.asList("servlet", "grpc", "dubbo", "okhttp", "http-url-connection", "java-http-client",
                "apache-httpclient", "executors", "reactor-netty", "reactor", "kafka", "rocketmq", "logback", "log4j", "jdbc")) {
            spec.put("graylane.instrumentation." + name + ".enabled", "true");
        }
        spec.put("graylane.mirror.enabled", "false");
        spec.put("graylane.mirror.target", null);
        spec.put("graylane.mirror.percentage", "100");
        spec.put("graylane.mirror.sample-key", "x-request-id");
        spec.put("graylane.mirror.host-suffix", "-shadow");
        spec.put("graylane.mirror.label", null);
        spec.put("graylane.mirror.max-body-bytes", "1048576");
        spec.put("graylane.mirror.queue-capacity", "1024");
        spec.put("graylane.mirror.timeout", "2s");
        spec.put("graylane.mirror.exclude-headers", null);
        spec.put("graylane.mirror.compare", "false");
        spec.put("graylane.mirror.secondary", null);
        spec.put("graylane.mirror.compare.ignore", null);
        spec.put("graylane.mirror.compare.headers", "content-type");
        spec.put("graylane.mirror.compare.report", null);
        spec.put("graylane.mirror.compare.report-max-bytes", "67108864");
        spec.put("graylane.shadow.guard", "off");
        spec.put("graylane.shadow.allow", null);
        spec.put("graylane.shadow.read-methods", "get*,list*,find*,query*,search*,count*,exists*,check*,read*,fetch*,describe*,load*");
        spec.put("graylane.log.level", "info");
        spec.put("graylane.lane.base", "base");
        spec.put("graylane.route.dubbo-tag", "false");
        spec.put("graylane.mdc.enabled", "true");
        spec.put("graylane.mdc.label-key", "graylane.label");
        spec.put("graylane.mdc.request-id-key", "graylane.request-id");
        spec.put("graylane.metrics.port", null);
        spec.put("graylane.metrics.host", "127.0.0.1");
        spec.put("graylane.cache.dir", null);

        assertEquals(spec.keySet(), new java.util.HashSet<>(Keys.all()));
        for (Map.Entry<String, String> e : spec.entrySet()) {
            assertEquals(e.getValue(), Keys.defaultOf(e.getKey()), e.getKey());
        }
        assertEquals("GRAYLANE_LABEL_HEADER", Keys.envName("graylane.label.header"));
        assertEquals("GRAYLANE_TRACE_MAP_MAX_ENTRIES", Keys.envName("graylane.trace-map.max-entries"));
    }

    // ---- precedence ----

    @Test
    void precedenceIsSystemPropertyThenEnvironmentThenFileThenDefault() throws IOException {
        Path f = file("graylane.label.header=x-from-file", "graylane.trace-map.ttl=5m");
        String args = "config=" + f;
        Map<String, String> env = map("GRAYLANE_LABEL_HEADER", "x-from-env", "GRAYLANE_TRACE_MAP_TTL", "30s");
        Map<String, String> sys = map("graylane.label.header", "x-from-sysprop", "graylane.trace-map.ttl", "500ms");

        Config defaults = ConfigLoader.load(null, NONE, NONE);
        assertEquals("x-asm-traffic-tag", defaults.labelHeader);
        assertEquals(60_000L, defaults.traceMapTtlMillis);

        Config fromFile = ConfigLoader.load(args, NONE, NONE);
        assertEquals(Collections.emptyList(), fromFile.problems);
        assertEquals(f.toString(), fromFile.source);
        assertEquals("x-from-file", fromFile.labelHeader);
        assertEquals(300_000L, fromFile.traceMapTtlMillis);

        Config fromEnv = ConfigLoader.load(args, NONE, env);
        assertEquals("x-from-env", fromEnv.labelHeader);
        assertEquals(30_000L, fromEnv.traceMapTtlMillis);

        Config fromSys = ConfigLoader.load(args, sys, env);
        assertEquals("x-from-sysprop", fromSys.labelHeader);
        assertEquals(500L, fromSys.traceMapTtlMillis);

        // levels are per key: a key only in the file still comes from the file
        Config mixed = ConfigLoader.load(args, map("graylane.label.header", "x-from-sysprop"), NONE);
        assertEquals("x-from-sysprop", mixed.labelHeader);
        assertEquals(300_000L, mixed.traceMapTtlMillis);
    }

    @Test
    void propertiesFileCanBeNamedBySystemPropertyOrEnvironment() throws IOException {
        Path bySys = file("graylane.label.header=x-sys-file");
        Path byEnv = file("graylane.label.header=x-env-file");
        Path byArg = file("graylane.label.header=x-arg-file");

        Config c1 = ConfigLoader.load(null, map("graylane.config", bySys.toString()), NONE);
        assertEquals("x-sys-file", c1.labelHeader);
        assertEquals(bySys.toString(), c1.source);
        assertEquals(Collections.emptyList(), c1.problems, "graylane.config is a known key");

        Config c2 = ConfigLoader.load(null, NONE, map("GRAYLANE_CONFIG", byEnv.toString()));
        assertEquals("x-env-file", c2.labelHeader);
        assertEquals(Collections.emptyList(), c2.problems, "GRAYLANE_CONFIG is a known variable");

        Config c3 = ConfigLoader.load(null, map("graylane.config", bySys.toString()), map("GRAYLANE_CONFIG", byEnv.toString()));
        assertEquals("x-sys-file", c3.labelHeader);

        Config c4 = ConfigLoader.load("config=" + byArg, map("graylane.config", bySys.toString()), NONE);
        assertEquals("x-arg-file", c4.labelHeader);
    }

    @Test
    void missingPropertiesFileIsAProblemNotAnException() {
        String missing = dir.resolve("does-not-exist.properties").toString();
        Config c = ConfigLoader.load("config=" + missing, map("graylane.label.header", "x-lane"), NONE);
        assertEquals("defaults", c.source);
        assertEquals("x-lane", c.labelHeader);
        problemMentioning(c, missing);
        assertEquals(1, c.problems.size(), c.problems.toString());
    }

    // ---- ASM_TRAFFIC_TAG ----

    @Test
    void asmTrafficTagGivesTheLocalLabel() {
        Config c = ConfigLoader.load(null, NONE, map("ASM_TRAFFIC_TAG", "lane-a"));
        assertEquals("lane-a", c.localLabel);
        assertEquals(Collections.emptyList(), c.problems);
        assertNull(ConfigLoader.load(null, NONE, NONE).localLabel);
    }

    @Test
    void explicitLocalLabelAtAnyLevelBeatsAsmTrafficTag() throws IOException {
        Path f = file("graylane.label.local=from-file");
        Map<String, String> asm = map("ASM_TRAFFIC_TAG", "from-asm");

        assertEquals("from-file", ConfigLoader.load("config=" + f, NONE, asm).localLabel);

        Map<String, String> env = map("ASM_TRAFFIC_TAG", "from-asm", "GRAYLANE_LABEL_LOCAL", "from-env");
        assertEquals("from-env", ConfigLoader.load("config=" + f, NONE, env).localLabel);

        assertEquals("from-sysprop", ConfigLoader.load("config=" + f, map("graylane.label.local", "from-sysprop"), env).localLabel);
        assertEquals("from-sysprop", ConfigLoader.load(null, map("graylane.label.local", "from-sysprop"), asm).localLabel);
    }

    @Test
    void invalidAsmTrafficTagIsAProblemAndLeavesNoLocalLabel() {
        Config c = ConfigLoader.load(null, map("graylane.label.header", "x-lane"), map("ASM_TRAFFIC_TAG", "bad lane"));
        assertNull(c.localLabel);
        problemMentioning(c, "bad lane", "ASM_TRAFFIC_TAG", "graylane.label.local", "expected");
        assertEquals("x-lane", c.labelHeader);
        assertTrue(c.traceMapEnabled());
    }

    // ---- invalid values: reported with key, value and expectation; the feature is off, the rest works ----

    @Test
    void mirrorComparisonKeys() {
        Config off = sys("graylane.mirror.compare", "true");
        assertFalse(off.mirror.compare.enabled, "comparison needs mirroring");
        Config c = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://mirror:8080",
                "graylane.mirror.compare", "true", "graylane.mirror.secondary", "http://primary-b:8080",
                "graylane.mirror.compare.ignore", "$.meta.time, $.items[*].id, Header:X-Date, $..bad, header:bad name",
                "graylane.mirror.compare.headers", "Content-Type,ETag", "graylane.mirror.compare.report", "/tmp/r.jsonl");
        assertTrue(c.mirror.compare.enabled, c.problems.toString());
        assertEquals("http://primary-b:8080", c.mirror.compare.secondary);
        assertEquals(Arrays.asList("$.meta.time", "$.items[*].id", "header:x-date"), c.mirror.compare.ignore);
        assertEquals(Arrays.asList("content-type", "etag"), c.mirror.compare.headers);
        assertEquals("/tmp/r.jsonl", c.mirror.compare.report);
        assertEquals(67108864L, c.mirror.compare.reportMaxBytes);
        assertEquals(2, c.problems.size(), c.problems.toString());
        assertTrue(c.problems.get(0).contains("'$..bad' for graylane.mirror.compare.ignore"), c.problems.toString());
        Config bad = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://mirror:8080",
                "graylane.mirror.compare", "true", "graylane.mirror.secondary", "mirror:8080");
        assertTrue(bad.mirror.compare.enabled);
        assertNull(bad.mirror.compare.secondary);
        assertTrue(bad.problems.get(0).contains("for graylane.mirror.secondary"), bad.problems.toString());
    }

    @Test
    void mirrorPercentageThatIsNotANumberDisablesMirroring() {
        Config ok = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://mirror:8080",
                "graylane.mirror.percentage", "12.5");
        assertTrue(ok.mirror.enabled, ok.problems.toString());
        assertEquals(12.5, ok.mirror.percentage, 0.0);

        Config c = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://mirror:8080",
                "graylane.mirror.percentage", "banana", "graylane.label.header", "x-lane");
        assertFalse(c.mirror.enabled);
        problemMentioning(c, "graylane.mirror.percentage", "banana", "expected", "0 to 100");
        assertEquals("x-lane", c.labelHeader);
        assertTrue(c.traceMapEnabled());
        assertEquals(EnumSet.allOf(Hook.class), c.enabledHooks);
    }

    @Test
    void mirrorPercentageOutOfRangeDisablesMirroring() {
        Config c = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://mirror:8080",
                "graylane.mirror.percentage", "150");
        assertFalse(c.mirror.enabled);
        problemMentioning(c, "graylane.mirror.percentage", "150");
    }

    @Test
    void mirrorEnabledWithoutOrWithBadTargetIsOff() {
        Config noTarget = sys("graylane.mirror.enabled", "true");
        assertFalse(noTarget.mirror.enabled);
        problemMentioning(noTarget, "graylane.mirror.target");

        Config badTarget = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "ftp://mirror:21");
        assertFalse(badTarget.mirror.enabled);
        problemMentioning(badTarget, "graylane.mirror.target", "ftp://mirror:21", "http://host:port");
    }

    @Test
    void negativeTraceMapTtlTurnsTheMapOff() {
        Config c = sys("graylane.trace-map.ttl", "-1s", "graylane.label.header", "x-lane");
        assertFalse(c.traceMapEnabled());
        problemMentioning(c, "graylane.trace-map.ttl", "-1s", "expected");
        assertEquals("x-lane", c.labelHeader);
        assertEquals(128, c.labelMaxLength);
    }

    @Test
    void badTraceMapMaxEntriesTurnsTheMapOff() {
        Config c = sys("graylane.trace-map.max-entries", "0");
        assertFalse(c.traceMapEnabled());
        problemMentioning(c, "graylane.trace-map.max-entries", "'0'");
    }

    @Test
    void badLabelPatternFallsBackToTheDefault() {
        Config c = sys("graylane.label.pattern", "[a-", "graylane.label.max-length", "64");
        assertEquals(Keys.DEFAULT_PATTERN, c.labelPattern);
        problemMentioning(c, "graylane.label.pattern", "[a-", "expected");
        assertEquals(64, c.labelMaxLength);

        Config custom = sys("graylane.label.pattern", "lane-[0-9]+");
        assertEquals("lane-[0-9]+", custom.labelPattern);
        assertEquals(Collections.emptyList(), custom.problems);
    }

    @Test
    void labelMaxLengthOutOfRangeFallsBackToTheDefault() {
        for (String bad : Arrays.asList("0", "-5", "5000", "abc", "1e3")) {
            Config c = sys("graylane.label.max-length", bad, "graylane.label.header", "x-lane");
            assertEquals(128, c.labelMaxLength, bad);
            problemMentioning(c, "graylane.label.max-length", "'" + bad + "'", "whole number");
            assertEquals("x-lane", c.labelHeader);
        }
        assertEquals(4096, sys("graylane.label.max-length", "4096").labelMaxLength);
        assertEquals(1, sys("graylane.label.max-length", "1").labelMaxLength);
    }

    @Test
    void instrumentationSwitchThatIsNotABooleanTurnsThatHookOff() {
        Config c = sys("graylane.instrumentation.grpc.enabled", "maybe");
        assertFalse(c.isEnabled(Hook.GRPC));
        problemMentioning(c, "graylane.instrumentation.grpc.enabled", "maybe", "true or false");
        EnumSet<Hook> others = EnumSet.allOf(Hook.class);
        others.remove(Hook.GRPC);
        assertEquals(others, c.enabledHooks);
    }

    @Test
    void malformedLabelSourceIsIgnoredAndTheOthersKept() {
        Config c = sys("graylane.label.sources", "header:X-Lane, cookie:x ,trace-map,local");
        assertEquals(Arrays.asList("header:x-lane", "trace-map", "local"), sourceNames(c));
        problemMentioning(c, "graylane.label.sources", "cookie:x", "expected");

        Config bad = sys("graylane.label.sources", "header:,baggage:a b,tracemap");
        assertEquals(Collections.emptyList(), bad.labelSources);
        assertEquals(3, bad.problems.size(), bad.problems.toString());
    }

    @Test
    void invalidLabelHeaderTurnsLabelPropagationOff() {
        Config c = sys("graylane.label.header", "x lane", "graylane.trace-map.ttl", "5m");
        assertNull(c.labelHeader);
        problemMentioning(c, "graylane.label.header", "x lane");
        assertEquals(300_000L, c.traceMapTtlMillis);
    }

    @Test
    void invalidLogLevelFallsBackToInfo() {
        Config c = sys("graylane.log.level", "loud");
        assertEquals(Log.Level.INFO, c.logLevel);
        problemMentioning(c, "graylane.log.level", "loud");
        assertEquals(Log.Level.WARN, sys("graylane.log.level", "WARN").logLevel);
    }

    @Test
    void dubboTagIsTheLabelUnlessRoutingIsOffOrTheLabelIsTheBaseLane() {
        Config off = sys();
        assertNull(off.dubboTag("dev-x"));
        Config on = sys("graylane.route.dubbo-tag", "true");
        assertEquals("dev-x", on.dubboTag("dev-x"));
        assertNull(on.dubboTag("base"));
        assertNull(on.dubboTag(null));
        Config stable = sys("graylane.route.dubbo-tag", "true", "graylane.lane.base", "stable");
        assertEquals("base", stable.dubboTag("base"));
        assertNull(stable.dubboTag("stable"));
    }

    @Test
    void badLaneSettingsAreReportedWithKeyValueAndWhatIsExpected() {
        Config c = sys("graylane.lane.base", "not a lane", "graylane.route.dubbo-tag", "yes");
        assertEquals("base", c.laneBase);
        assertFalse(c.routeDubboTag);
        problemMentioning(c, "graylane.lane.base", "not a lane", "expected a label", "using the default base");
        problemMentioning(c, "graylane.route.dubbo-tag", "yes", "true or false", "Dubbo tag routing is off");
    }

    @Test
    void invalidMirrorLabelIsDroppedNotForwarded() {
        Config c = sys("graylane.mirror.label", "bad/label");
        assertNull(c.mirror.label);
        problemMentioning(c, "graylane.mirror.label", "bad/label");
        assertEquals("shadow-1", sys("graylane.mirror.label", "shadow-1").mirror.label);
    }

    @Test
    void problemValuesAreMadePrintable() {
        Config c = sys("graylane.trace-map.ttl", "1s\r\nx");
        String p = problemMentioning(c, "graylane.trace-map.ttl");
        assertFalse(p.contains("\r") || p.contains("\n"), p);
    }

    // ---- unknown keys ----

    @Test
    void unknownSystemPropertyIsReportedWithTheClosestKey() {
        Config c = sys("graylane.label.headr", "x-lane", "java.version", "17", "user.dir", "/tmp");
        problemMentioning(c, "graylane.label.headr", "graylane.label.header");
        assertEquals(1, c.problems.size(), "only graylane.* keys are checked: " + c.problems);
        assertEquals("x-asm-traffic-tag", c.labelHeader, "an unknown key is ignored");
    }

    @Test
    void unknownEnvironmentVariableIsReportedWithTheClosestVariable() {
        Config c = ConfigLoader.load(null, NONE, map("GRAYLANE_LABLE_HEADER", "x-lane", "PATH", "/bin", "HOME", "/root"));
        problemMentioning(c, "GRAYLANE_LABLE_HEADER", "GRAYLANE_LABEL_HEADER");
        assertEquals(1, c.problems.size(), c.problems.toString());
        assertEquals("x-asm-traffic-tag", c.labelHeader);
    }

    @Test
    void unknownKeyInTheFileIsReportedWithTheClosestKey() throws IOException {
        Path f = file("graylane.mirror.targt=http://mirror:8080", "graylane.label.header=x-lane");
        Config c = ConfigLoader.load("config=" + f, NONE, NONE);
        problemMentioning(c, "graylane.mirror.targt", "graylane.mirror.target");
        assertEquals(1, c.problems.size(), c.problems.toString());
        assertEquals("x-lane", c.labelHeader);
        assertNull(c.mirror.target);
    }

    @Test
    void everyKnownKeyAtEveryLevelIsAccepted() throws IOException {
        Map<String, String> sys = new HashMap<>();
        Map<String, String> env = new HashMap<>();
        List<String> lines = new ArrayList<>();
        for (String key : Keys.all()) {
            String v = Keys.defaultOf(key);
            if (v == null) continue;
            sys.put(key, v);
            env.put(Keys.envName(key), v);
            lines.add(key + "=" + v);
        }
        Config c = ConfigLoader.load("config=" + file(lines.toArray(new String[0])), sys, env);
        assertEquals(Collections.emptyList(), c.problems);
    }

    // ---- durations and instrumentation switches ----

    @Test
    void durationsTakeMillisecondsSecondsAndMinutes() {
        assertEquals(500L, sys("graylane.trace-map.ttl", "500ms").traceMapTtlMillis);
        assertEquals(60_000L, sys("graylane.trace-map.ttl", "60s").traceMapTtlMillis);
        assertEquals(300_000L, sys("graylane.trace-map.ttl", "5m").traceMapTtlMillis);
        assertEquals(500L, sys("graylane.mirror.timeout", "500ms").mirror.timeoutMillis);
        assertEquals(300_000L, sys("graylane.mirror.timeout", " 5M ").mirror.timeoutMillis);

        assertEquals(500L, ConfigLoader.parseDuration("500ms"));
        assertEquals(60_000L, ConfigLoader.parseDuration("60s"));
        assertEquals(300_000L, ConfigLoader.parseDuration("5m"));
        for (String bad : Arrays.asList("", "ms", "10", "5h", "1.5s", "-1s", "s5", "1 0s", "9999999999s")) {
            assertEquals(-1L, ConfigLoader.parseDuration(bad), bad);
        }
        assertEquals(-1L, ConfigLoader.parseDuration(null));
    }

    @Test
    void badMirrorTimeoutDisablesMirroring() {
        Config c = sys("graylane.mirror.enabled", "true", "graylane.mirror.target", "http://mirror:8080",
                "graylane.mirror.timeout", "2h");
        assertFalse(c.mirror.enabled);
        problemMentioning(c, "graylane.mirror.timeout", "2h");
    }

    @Test
    void switchingOneInstrumentationOffLeavesTheOthersOn() {
        Config c = sys("graylane.instrumentation.okhttp.enabled", "false");
        assertEquals(Collections.emptyList(), c.problems);
        for (Hook hook : Hook.values()) {
            assertEquals(hook != Hook.OKHTTP, c.isEnabled(hook), hook.name());
        }

        Config viaEnv = ConfigLoader.load(null, NONE, map("GRAYLANE_INSTRUMENTATION_HTTP_URL_CONNECTION_ENABLED", "FALSE"));
        assertEquals(Collections.emptyList(), viaEnv.problems);
        assertFalse(viaEnv.isEnabled(Hook.HTTP_URL_CONNECTION));
        assertTrue(viaEnv.isEnabled(Hook.OKHTTP));
    }

    @Test
    void listsAreTrimmedLowerCasedAndDeduplicated() {
        Config c = sys("graylane.trace.headers", " X-Request-Id , traceparent,x-request-id,,bad header",
                "graylane.mirror.exclude-headers", "Authorization, cookie");
        assertEquals(Arrays.asList("x-request-id", "traceparent"), c.traceHeaders);
        problemMentioning(c, "graylane.trace.headers", "bad header");
        assertEquals(Arrays.asList("authorization", "cookie"), c.mirror.excludeHeaders);
    }

    @Test
    void unknownAgentArgumentIsAProblem() {
        Config c = ConfigLoader.load("confg=/etc/x.properties", NONE, NONE);
        problemMentioning(c, "confg=/etc/x.properties", "config=PATH");
        assertEquals("defaults", c.source);
    }

    @Test
    void labelSourceParsing() {
        assertEquals(LabelSource.Kind.HEADER, LabelSource.parse("header:X-Lane").kind());
        assertEquals("x-lane", LabelSource.parse("header:X-Lane").name());
        assertEquals("Lane", LabelSource.parse(" baggage : Lane ").name());
        assertEquals(LabelSource.Kind.TRACE_MAP, LabelSource.parse("trace-map").kind());
        assertEquals(LabelSource.Kind.LOCAL, LabelSource.parse("local").kind());
        assertNull(LabelSource.parse("cookie:x"));
        assertNull(LabelSource.parse("header:"));
        assertNull(LabelSource.parse("header:a;b"));
        assertNull(LabelSource.parse("locale"));
        assertNotNull(LabelSource.parse("baggage:x-asm-traffic-tag"));
    }

    @Test
    void theClassCacheIsOffByDefaultAndTakesADirectory() {
        assertNull(ConfigLoader.load(null, NONE, NONE).cacheDir);
        assertEquals("/var/cache/graylane", sys("graylane.cache.dir", " /var/cache/graylane ").cacheDir);
        assertEquals("/var/cache/graylane", ConfigLoader.load(null, NONE, map("GRAYLANE_CACHE_DIR", "/var/cache/graylane")).cacheDir);
        Config bad = sys("graylane.cache.dir", "/var/cache/\u0000graylane");
        assertNull(bad.cacheDir);
        problemMentioning(bad, "graylane.cache.dir", "a directory path without control characters", "the class cache is off");
    }
}
