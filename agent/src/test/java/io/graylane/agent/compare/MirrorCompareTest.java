package io.graylane.agent.compare;

import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.mirror.Answer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.openmbean.TabularData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MirrorCompareTest {

    @TempDir
    Path dir;

    private MirrorCompare compare(String... extra) {
        Map<String, String> sys = new HashMap<>();
        sys.put("graylane.mirror.enabled", "true");
        sys.put("graylane.mirror.target", "http://127.0.0.1:9");
        sys.put("graylane.mirror.compare", "true");
        for (int i = 0; i < extra.length; i += 2) sys.put(extra[i], extra[i + 1]);
        Config config = ConfigLoader.load(null, sys, Collections.<String, String>emptyMap());
        assertTrue(config.problems.isEmpty(), config.problems.toString());
        return new MirrorCompare(config.mirror);
    }

    @Test
    void countersAddUpAndEndpointsAreBounded() {
        MirrorCompare compare = compare();
        Answer a = ComparisonTest.json("{\"a\":1}");
        Answer b = ComparisonTest.json("{\"a\":2}");
        for (int i = 0; i < MirrorCompare.MAX_ENDPOINTS + 100; i++) {
            compare.compare("GET", "/e" + i + "/7", null, a, i % 2 == 0 ? a : b, null);
        }
        compare.compare("GET", "/x", null, a, Answer.failed("refused"), null);
        assertEquals(MirrorCompare.MAX_ENDPOINTS + 101, compare.getCompared());
        assertEquals(compare.getCompared(), compare.getEqual() + compare.getDifferent() + compare.getNoiseOnly()
                + compare.getIncomparable());
        assertEquals(1, compare.getIncomparable());
        TabularData table = compare.getEndpoints();
        assertEquals(MirrorCompare.MAX_ENDPOINTS + 1, table.size());
        assertNotNull(table.get(new Object[]{"other"}));
        assertEquals(101L, table.get(new Object[]{"other"}).get("compared"));
        assertEquals("$.a", table.get(new Object[]{"GET /e1/{id}"}).get("regressedFields"));
    }

    @Test
    void theReportHasALinePerComparisonThatDiffersAndTotals() throws Exception {
        Path file = dir.resolve("r.jsonl");
        MirrorCompare compare = compare("graylane.mirror.compare.report", file.toString());
        Answer a = ComparisonTest.json("{\"a\":1}");
        compare.compare("GET", "/items/1", "r1", a, a, null);
        compare.compare("GET", "/items/2", "r2", a, ComparisonTest.json("{\"a\":\"" + new String(new char[1000]).replace('\0', 'x') + "\"}"), null);
        compare.compare("GET", "/items/3", "r3", a, ComparisonTest.json("{\"a\":"), null);
        compare.writeTotals();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\"requestId\":\"r2\"") && lines.get(0).contains("\"outcome\":\"different\""), lines.get(0));
        assertTrue(lines.get(0).length() < 800, "values are cut: " + lines.get(0).length());
        assertTrue(lines.get(1).contains("\"outcome\":\"incomparable\"") && lines.get(1).contains("\"reason\":\"candidate: not JSON"), lines.get(1));
        assertTrue(lines.get(2).contains("\"totals\":{\"GET /items/{id}\":{\"equal\":1,\"different\":1,\"noiseOnly\":0,\"incomparable\":1"), lines.get(2));
    }
}
