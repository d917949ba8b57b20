package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.log.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The public entry for code that reads requests its own way: same rules as the hooks, no thread state. */
class TrafficResolverTest {

    private static final String LABEL = "x-asm-traffic-tag";
    private static final TrafficResolver.HeaderReader<Map<String, String>> MAP = Map::get;

    @BeforeEach
    void quietLog() {
        Log.setOut(new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void restoreLog() {
        Log.setOut(System.err);
    }

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    private static TrafficResolver resolver(Map<String, String> sysprops, String local) {
        Map<String, String> env = local == null ? Collections.<String, String>emptyMap() : map("ASM_TRAFFIC_TAG", local);
        Config config = ConfigLoader.load(null, sysprops, env);
        assertEquals(Collections.emptyList(), config.problems);
        return TrafficResolver.create(config);
    }

    private static List<String> entries(TrafficContext context) {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < context.size(); i++) entries.add(context.name(i) + "=" + context.value(i));
        return entries;
    }

    @Test
    void labelSourcesInOrderThroughAnyReader() {
        TrafficResolver resolver = resolver(Collections.<String, String>emptyMap(), "lane-local");
        assertEquals("lane-h", resolver.resolve(map(LABEL, "lane-h", "baggage", LABEL + "=lane-b"), MAP).label());
        assertEquals("lane-b", resolver.resolve(map("baggage", LABEL + "=lane-b", "x-request-id", "r-1"), MAP).label());
        assertEquals("lane-b", resolver.resolve(map("x-request-id", "r-1"), MAP).label(), "recorded in the trace map");
        assertEquals("lane-local", resolver.resolve(map("x-request-id", "r-2"), MAP).label());
    }

    @Test
    void theReaderIsAskedForLowerCaseNamesOnly() {
        TrafficResolver resolver = resolver(map("graylane.label.header", "X-Lane", "graylane.label.sources", "header:X-Lane"), null);
        List<String> asked = new ArrayList<>();
        TrafficContext context = resolver.resolve(map("x-lane", "lane-a"), (carrier, name) -> {
            asked.add(name);
            return carrier.get(name);
        });
        assertEquals("lane-a", context.label());
        assertEquals("x-lane=lane-a", entries(context).get(0));
        for (String name : asked) assertEquals(name.toLowerCase(java.util.Locale.ROOT), name);
    }

    @Test
    void rejectedLabelsAreSkippedAndTakenOutOfForwardedBaggage() {
        TrafficResolver resolver = resolver(Collections.<String, String>emptyMap(), "lane-local");
        TrafficContext context = resolver.resolve(map(LABEL, "lane a/b", "baggage", "k=1," + LABEL + "=bad%0D%0Ax"), MAP);
        assertEquals("lane-local", context.label());
        assertEquals(Arrays.asList(LABEL + "=lane-local", "baggage=k=1"), entries(context));
    }

    @Test
    void aRequestWithNothingGetsTheBackgroundContext() {
        TrafficResolver resolver = resolver(Collections.<String, String>emptyMap(), "lane-local");
        assertSame(resolver.background(), resolver.resolve(map(), MAP));
        assertEquals("lane-local", resolver.background().label());
        assertEquals(3, resolver.background().lookups());
    }

    @Test
    void theBackgroundLooksUpTheLabelsThisResolverRecorded() {
        TrafficResolver resolver = resolver(Collections.<String, String>emptyMap(), null);
        resolver.resolve(map(LABEL, "lane-t", "x-request-id", "r-42"), MAP);
        TrafficContext background = resolver.background();
        assertNull(background.label());
        assertEquals("x-request-id", background.lookupName(0));
        assertEquals("lane-t", background.lookup(0, "r-42").label());

        TrafficResolver other = resolver(Collections.<String, String>emptyMap(), null);
        assertSame(other.background(), other.background().lookup(0, "r-42"), "each resolver has its own map");
    }

    @Test
    void withTheTraceMapOffNothingIsLookedUp() {
        // 0 is reported as an invalid value whose consequence is: the map is off
        TrafficResolver resolver = TrafficResolver.create(ConfigLoader.load(null,
                map("graylane.trace-map.max-entries", "0"), map("ASM_TRAFFIC_TAG", "lane-local")));
        resolver.resolve(map(LABEL, "lane-t", "x-request-id", "r-42"), MAP);
        assertEquals(0, resolver.background().lookups());
        assertEquals("lane-local", resolver.resolve(map("x-request-id", "r-42"), MAP).label());
    }
}
