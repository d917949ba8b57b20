package io.graylane.agent.compare;

import io.graylane.core.mirror.Answer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonTest {

    private static final List<String> HEADERS = Collections.singletonList("content-type");
    private static final IgnoreRules NOTHING = new IgnoreRules(Collections.<String>emptyList());

    static Answer json(String body, String... headers) {
        return answer(200, "application/json", body.getBytes(StandardCharsets.UTF_8), headers);
    }

    static Answer answer(int status, String type, byte[] body, String... extra) {
        String[] names = new String[1 + extra.length / 2];
        String[] values = new String[names.length];
        names[0] = "Content-Type";
        values[0] = type;
        for (int i = 0; i < extra.length; i += 2) {
            names[1 + i / 2] = extra[i];
            values[1 + i / 2] = extra[i + 1];
        }
        return new Answer(status, names, values, names.length, body, body.length, Answer.COMPLETE, null);
    }

    private static Comparison compare(Answer p, Answer c, Answer s) {
        return Comparison.of(p, c, s, HEADERS, NOTHING, 1 << 20);
    }

    private static Map<String, Comparison.Diff> byPath(Comparison c) {
        Map<String, Comparison.Diff> m = new TreeMap<>();
        for (Comparison.Diff d : c.diffs) m.put(d.path, d);
        return m;
    }

    @Test
    void keyOrderWhitespaceAndNumberFormsDoNotMatter() {
        Comparison c = compare(json("{\"a\":1,\"b\":[1.0,2e0,\"x\"],\"c\":{\"d\":null}}"),
                json(" { \"c\" : {\"d\":null}, \"b\":[1, 2, \"x\"], \"a\":1.000 } "), null);
        assertEquals(Comparison.EQUAL, c.outcome, () -> c.diffs.toString());
    }

    @Test
    void eachDifferingLeafIsOnePathWithBothValues() {
        Comparison c = compare(json("{\"name\":\"Ann\",\"price\":10,\"tags\":[\"a\",\"b\"],\"x\":{}}"),
                json("{\"fullName\":\"Ann\",\"price\":12,\"tags\":[\"b\",\"a\",\"c\"],\"x\":[]}"), null);
        assertEquals(Comparison.DIFFERENT, c.outcome);
        Map<String, Comparison.Diff> d = byPath(c);
        assertEquals(Arrays.asList("$.fullName", "$.name", "$.price", "$.tags[0]", "$.tags[1]", "$.tags[2]", "$.x"),
                Arrays.asList(d.keySet().toArray()));
        assertEquals("\"Ann\"", d.get("$.name").primary);
        assertNull(d.get("$.name").candidate);
        assertNull(d.get("$.fullName").primary);
        assertEquals("10", d.get("$.price").primary);
        assertEquals("12", d.get("$.price").candidate);
        assertEquals("{}", d.get("$.x").primary);
        assertEquals("[]", d.get("$.x").candidate);
    }

    @Test
    void typesDiffer() {
        Comparison c = compare(json("{\"a\":1,\"b\":true,\"c\":null}"), json("{\"a\":\"1\",\"b\":\"true\",\"c\":\"null\"}"), null);
        assertEquals(3, c.diffs.size());
    }

    @Test
    void noiseIsWhatTheSecondaryAlsoChanges() {
        Answer p = json("{\"id\":\"r-1\",\"time\":100,\"v\":1}");
        Answer s = json("{\"id\":\"r-2\",\"time\":101,\"v\":1}");
        Comparison onlyNoise = compare(p, json("{\"id\":\"r-3\",\"time\":102,\"v\":1}"), s);
        assertEquals(Comparison.NOISE_ONLY, onlyNoise.outcome);
        assertTrue(onlyNoise.withSecondary);
        Comparison real = compare(p, json("{\"id\":\"r-3\",\"time\":102,\"v\":2}"), s);
        assertEquals(Comparison.DIFFERENT, real.outcome);
        Comparison.Diff v = byPath(real).get("$.v");
        assertTrue(v.candidateDiffers);
        assertFalse(v.secondaryDiffers);
        assertEquals("1", v.secondary);
        Comparison.Diff time = byPath(real).get("$.time");
        assertTrue(time.candidateDiffers && time.secondaryDiffers);
        // the secondary differs where the candidate does not: still noise-only
        assertEquals(Comparison.NOISE_ONLY, compare(p, p, s).outcome);
        assertEquals(Comparison.EQUAL, compare(p, p, p).outcome);
    }

    @Test
    void statusAndConfiguredHeadersAreCompared() {
        Answer p = answer(200, "application/json; charset=UTF-8", "{}".getBytes(StandardCharsets.UTF_8), "x-a", "1");
        Answer c = answer(201, "application/json;charset=utf-8", "{}".getBytes(StandardCharsets.UTF_8), "x-a", "2");
        Comparison r = Comparison.of(p, c, null, Arrays.asList("content-type", "x-a"), NOTHING, 1 << 20);
        assertEquals(Arrays.asList("header:x-a", "status"), Arrays.asList(byPath(r).keySet().toArray()));
        Comparison ignored = Comparison.of(p, c, null, Arrays.asList("content-type", "x-a"),
                new IgnoreRules(Collections.singletonList("header:x-a")), 1 << 20);
        assertEquals(Collections.singletonList("status"), Arrays.asList(byPath(ignored).keySet().toArray()));
    }

    @Test
    void otherBodiesByteForByte() {
        Answer p = answer(200, "text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        assertEquals(Comparison.EQUAL, compare(p, answer(200, "text/plain", "hello".getBytes(StandardCharsets.UTF_8)), null).outcome);
        Comparison c = compare(p, answer(200, "text/plain", "hello!".getBytes(StandardCharsets.UTF_8)), null);
        assertEquals(Collections.singletonList("body"), Arrays.asList(byPath(c).keySet().toArray()));
    }

    @Test
    void ignoredPathsAndTheirSubtrees() {
        IgnoreRules rules = new IgnoreRules(Arrays.asList("$.meta.time", "$.items[*].id", "$.*.x"));
        assertTrue(rules.ignoresPath("$.meta.time"));
        assertTrue(rules.ignoresPath("$.meta.time.nanos"));
        assertFalse(rules.ignoresPath("$.meta.timezone"));
        assertTrue(rules.ignoresPath("$.items[12].id"));
        assertFalse(rules.ignoresPath("$.items[12].idx"));
        assertFalse(rules.ignoresPath("$.items.id"));
        assertTrue(rules.ignoresPath("$.a.x"));
        assertTrue(rules.ignoresPath("$['b c'].x"));
        Comparison c = Comparison.of(json("{\"meta\":{\"time\":1},\"items\":[{\"id\":1,\"v\":1}]}"),
                json("{\"meta\":{\"time\":2},\"items\":[{\"id\":2,\"v\":1}]}"), null, HEADERS, rules, 1 << 20);
        assertEquals(Comparison.EQUAL, c.outcome);
    }

    @Test
    void gzipBodiesAreDecoded() throws IOException {
        Answer p = json("{\"a\":1}");
        Answer c = answer(200, "application/json", gzip("{\"a\":2}"), "Content-Encoding", "gzip");
        Comparison r = compare(p, c, null);
        assertEquals("2", byPath(r).get("$.a").candidate);
    }

    @Test
    void badInputIsIncomparableNeverAnException() throws IOException {
        Answer p = json("{\"a\":1}");
        for (String bad : new String[]{"{\"a\":", "<html>oops</html>", "", "{\"a\":1} trailing", "[1,2", "\u0000\u0001",
                "{\"a\":1,}", "nul"}) {
            Comparison r = compare(p, json(bad), null);
            assertEquals(Comparison.INCOMPARABLE, r.outcome, bad);
            assertTrue(r.reason.startsWith("candidate: not JSON"), r.reason);
        }
        assertEquals(Comparison.INCOMPARABLE, compare(json("garbage"), p, null).outcome);
        // a gzip bomb: decodes past the limit
        byte[] bomb = gzip(new String(new char[200_000]).replace('\0', ' ') + "{}");
        Comparison r = Comparison.of(p, answer(200, "application/json", bomb, "Content-Encoding", "gzip"), null, HEADERS, NOTHING, 100_000);
        assertEquals(Comparison.INCOMPARABLE, r.outcome);
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 10_000; i++) deep.append('[');
        assertEquals(Comparison.INCOMPARABLE, compare(p, json(deep.toString()), null).outcome);
        assertEquals(Comparison.INCOMPARABLE, compare(p, Answer.failed("refused"), null).outcome);
        Answer tooLarge = new Answer(200, new String[0], new String[0], 0, null, 0, Answer.TOO_LARGE, "too large");
        assertEquals(Comparison.INCOMPARABLE, compare(p, tooLarge, null).outcome);
        assertEquals(Comparison.INCOMPARABLE, compare(tooLarge, p, null).outcome);
        // a secondary that answers garbage only means no noise for this one
        Comparison noSecondary = compare(p, json("{\"a\":2}"), json("garbage"));
        assertEquals(Comparison.DIFFERENT, noSecondary.outcome);
        assertFalse(noSecondary.withSecondary);
    }

    @Test
    void tooManyValuesIsIncomparable() {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i <= JsonFlattener.MAX_LEAVES; i++) b.append(i == 0 ? "" : ",").append(i);
        assertThrows(JsonFlattener.NotComparable.class, () -> JsonFlattener.flatten(b.append(']').toString()));
    }

    @Test
    void aPrimaryBodyNotSeenComparesStatusAndHeadersOnly() {
        Answer unknown = new Answer(404, new String[]{"Content-Type"}, new String[]{"text/html"}, 1, null, 0,
                Answer.BODY_UNKNOWN, "sendError");
        assertEquals(Comparison.EQUAL, compare(unknown, answer(404, "text/html", "<h1>x</h1>".getBytes(StandardCharsets.UTF_8)), null).outcome);
        assertEquals(Comparison.DIFFERENT, compare(unknown, answer(500, "text/html", new byte[0]), null).outcome);
    }

    @Test
    void endpointsTemplateIds() {
        assertEquals("GET /items/{id}", Endpoints.of("GET", "/items/17?x=1"));
        assertEquals("GET /users/{id}/orders/{id}", Endpoints.of("GET", "/users/123e4567-e89b-12d3-a456-426614174000/orders/0badc0ffee0ddf00d"));
        assertEquals("POST /items/abc", Endpoints.of("POST", "/items/abc"));
        assertEquals("GET /", Endpoints.of("GET", "/"));
        assertEquals("GET /a/{id}/", Endpoints.of("GET", "/a/1/"));
    }

    @Test
    void diffysThresholds() {
        assertTrue(Verdict.regressed(0.10, 0.0));
        assertFalse(Verdict.regressed(0.03, 0.0)); // not more than 3 points
        assertTrue(Verdict.regressed(0.031, 0.0));
        assertFalse(Verdict.regressed(1.0, 1.0));
        assertFalse(Verdict.regressed(0.55, 0.50)); // 5 points, but only 10% relative
        assertTrue(Verdict.regressed(0.65, 0.50));
        assertEquals("noise", Verdict.of(100, 100, 100, 100));
        assertEquals("regressed", Verdict.of(10, 100, 0, 100));
        assertEquals("", Verdict.of(2, 100, 0, 100));
    }

    private static byte[] gzip(String s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
