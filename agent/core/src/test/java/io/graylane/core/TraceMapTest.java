package io.graylane.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceMapTest {

    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String OTHER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static String traceparent(String traceId, String spanId) {
        return "00-" + traceId + "-" + spanId + "-01";
    }

    @Test
    void leastRecentlyUsedHoldsWhenTheAccessCounterWrapsAround() {
        TraceMap map = new TraceMap(3, 60_000); // one set of 3: exact LRU
        map.put("x-request-id", "a", "lane-a");
        map.put("x-request-id", "b", "lane-b");
        // an entry keeps the low 24 bits of the access counter: "old" is stamped half-way, a and b just after the
        // counter wrapped around, so their stamps are the smaller ones although "old" is the least recently used
        for (int i = 0; i < 1 << 23; i++) map.get("x-request-id", (i & 1) == 0 ? "a" : "b");
        map.put("x-request-id", "old", "lane-old");
        for (int i = 0; i < (1 << 23) + 10; i++) map.get("x-request-id", (i & 1) == 0 ? "a" : "b");
        map.put("x-request-id", "new", "lane-new");
        assertNull(map.get("x-request-id", "old"), "the least recently used entry went first");
        assertEquals("lane-a", map.get("x-request-id", "a"));
        assertEquals("lane-b", map.get("x-request-id", "b"));
        assertEquals("lane-new", map.get("x-request-id", "new"));
    }

    @Test
    void equalLabelsAreKeptAsOneInstanceWhateverTheOrderTheyArriveIn() {
        TraceMap map = new TraceMap(100, 60_000);
        String[] labels = {"lane-a", "lane-a", "lane-b", "lane-a", "lane-b", "lane-b"};
        for (int i = 0; i < labels.length; i++) map.put("x-request-id", "req-" + i, new String(labels[i]));
        for (int i = 0; i < labels.length; i++) {
            assertSame(map.get("x-request-id", "req-0"), map.get("x-request-id", "req-" + (labels[i].equals("lane-a") ? i : 0)));
            assertSame(map.get("x-request-id", "req-2"), map.get("x-request-id", "req-" + (labels[i].equals("lane-b") ? i : 2)));
        }
        assertEquals("lane-a", map.get("x-request-id", "req-3"));
        assertEquals("lane-b", map.get("x-request-id", "req-5"));
    }

    @Test
    void putAndGetByRequestId() {
        TraceMap map = new TraceMap(100, 60_000);
        map.put("x-request-id", "req-1", "lane-a");
        map.put("x-request-id", "req-2", "lane-b");
        assertEquals("lane-a", map.get("x-request-id", "req-1"));
        assertEquals("lane-b", map.get("x-request-id", "req-2"));
        assertNull(map.get("x-request-id", "req-3"));
        assertNull(map.get("x-request-id", null));
        assertNull(map.get("x-request-id", ""));
        map.put("x-request-id", "req-1", "lane-c");
        assertEquals("lane-c", map.get("x-request-id", "req-1"), "a later request replaces the label");
        assertEquals(2, map.size());
    }

    @Test
    void putForEveryPresentIdOfARequest() {
        TraceMap map = new TraceMap(100, 60_000);
        String[] headers = {"x-asm-traffic-tag", "x-request-id", "traceparent", "x-b3-traceid"};
        String[] values = {"dev-x", "req-1", traceparent(TRACE_ID, "b7ad6b7169203331"), null};
        map.put(headers, values, new int[] {1, 2, 3}, "dev-x");
        assertEquals("dev-x", map.get("x-request-id", "req-1"));
        assertEquals("dev-x", map.get("traceparent", traceparent(TRACE_ID, "00f067aa0ba902b7")));
        assertNull(map.get("x-asm-traffic-tag", "dev-x"), "only the indexes given are ids");
        assertEquals(2, map.size(), "an absent id is skipped");
        map.put(headers, values, new int[] {1, 2}, null);
        assertEquals("dev-x", map.get("x-request-id", "req-1"), "no label: nothing recorded");
    }

    @Test
    void traceparentIsKeyedByItsTraceId() {
        TraceMap map = new TraceMap(100, 60_000);
        map.put("traceparent", traceparent(TRACE_ID, "b7ad6b7169203331"), "lane-a");
        assertEquals("lane-a", map.get("traceparent", traceparent(TRACE_ID, "00f067aa0ba902b7")),
                "same trace, another span (the next hop)");
        assertNull(map.get("traceparent", traceparent(OTHER_TRACE_ID, "b7ad6b7169203331")), "same span id, other trace");
        assertEquals("lane-a", map.get("x-b3-traceid", TRACE_ID), "the bare trace id is the same key");
        assertEquals(1, map.size());
    }

    @Test
    void malformedTraceparentIsIgnored() {
        TraceMap map = new TraceMap(100, 60_000);
        map.put("traceparent", "00-short-01", "lane-a");
        map.put("traceparent", "garbage-that-is-long-enough-to-cut-into-pieces", "lane-a");
        assertEquals(0, map.size());
        assertNull(map.get("traceparent", "00-short-01"));
    }

    @Test
    void singleHeaderB3IsKeyedByItsFirstField() {
        TraceMap map = new TraceMap(100, 60_000);
        String traceId = "80f198ee56343ba864fe8b2a57d3eff7";
        map.put("b3", traceId + "-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90", "lane-a");
        assertEquals("lane-a", map.get("b3", traceId + "-0020000000000001-1"));
        assertEquals("lane-a", map.get("x-b3-traceid", traceId), "the same trace id in the multi-header form");
        assertNull(map.get("b3", "463ac35c9f6413ad48485a3953bb6124-e457b5a2e4d86bd1-1"));
    }

    @Test
    void samplingOnlyB3CarriesNoTraceIdAndIsNotMapped() {
        // "b3: 0" (or 1, d) says only whether to sample; keying by it would give every such request one label
        TraceMap map = new TraceMap(100, 60_000);
        map.put("b3", "0", "lane-a");
        map.put("b3", "1", "lane-a");
        map.put("b3", "d", "lane-a");
        assertNull(map.get("b3", "0"));
        assertNull(map.get("b3", "1"));
        assertEquals(0, map.size());
    }

    @Test
    void entriesExpireAfterTheTtl() {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        TraceMap map = new TraceMap(100, 1000, nanos::get);
        map.put("x-request-id", "req-1", "lane-a");
        nanos.addAndGet(999_000_000L);
        assertEquals("lane-a", map.get("x-request-id", "req-1"), "still alive 999 ms later");
        map.put("x-request-id", "req-2", "lane-b");
        nanos.addAndGet(2_000_000L);
        assertNull(map.get("x-request-id", "req-1"), "expired 1001 ms after it was recorded");
        assertEquals("lane-b", map.get("x-request-id", "req-2"), "recorded later, still alive");
        assertEquals(1, map.size(), "the expired entry is removed when found");

        map.put("x-request-id", "req-1", "lane-c");
        assertEquals("lane-c", map.get("x-request-id", "req-1"), "recording again starts a new lifetime");
    }

    @Test
    void ttlWorksAcrossTheNanoTimeOverflow() {
        AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - 500_000_000L);
        TraceMap map = new TraceMap(100, 1000, nanos::get);
        map.put("x-request-id", "req-1", "lane-a");
        nanos.addAndGet(900_000_000L); // wraps around
        assertEquals("lane-a", map.get("x-request-id", "req-1"));
        nanos.addAndGet(200_000_000L);
        assertNull(map.get("x-request-id", "req-1"));
    }

    @Test
    void leastRecentlyAccessedEntryIsEvictedFirst() {
        TraceMap map = new TraceMap(3, 60_000);
        map.put("x-request-id", "a", "lane-a");
        map.put("x-request-id", "b", "lane-b");
        map.put("x-request-id", "c", "lane-c");
        assertEquals("lane-a", map.get("x-request-id", "a")); // a is now the most recently used
        map.put("x-request-id", "d", "lane-d");
        assertEquals(3, map.size());
        assertNull(map.get("x-request-id", "b"), "b was least recently accessed");
        assertEquals("lane-a", map.get("x-request-id", "a"));
        assertEquals("lane-c", map.get("x-request-id", "c"));
        assertEquals("lane-d", map.get("x-request-id", "d"));
        // now a is least recently accessed
        map.put("x-request-id", "e", "lane-e");
        assertNull(map.get("x-request-id", "a"));
        assertEquals(3, map.size());
    }

    @Test
    void hexIdsAreTheirOwnKeysAndOtherTextIsHashed() {
        TraceMap map = new TraceMap(100, 60_000);
        map.put("x-b3-traceid", "00000000000000008448eb211c80319c", "lane-a");
        assertEquals("lane-a", map.get("x-b3-traceid", "8448eb211c80319c"), "64-bit id = its zero-padded 128-bit form");
        assertNull(map.get("x-b3-traceid", "8448EB211C80319C"), "ids are case-sensitive, as the headers are");
        map.put("x-request-id", "ffffffffffffffffffffffffffffffff", "lane-f");
        map.put("x-request-id", "fffffffffffffffffffffffffffffffe", "lane-e");
        assertEquals("lane-f", map.get("x-request-id", "ffffffffffffffffffffffffffffffff"));
        assertEquals("lane-e", map.get("x-request-id", "fffffffffffffffffffffffffffffffe"));
        map.put("x-request-id", "ab", "lane-ab");
        assertNull(map.get("x-request-id", "ba"), "hashed keys depend on the order of the characters");
        assertNull(map.get("x-request-id", "ab "));
        assertEquals("lane-ab", map.get("x-request-id", "ab"));
    }

    @Test
    void aFullSetGivesUpAnExpiredEntryBeforeALiveOne() {
        AtomicLong nanos = new AtomicLong();
        TraceMap map = new TraceMap(3, 1000, nanos::get);
        map.put("x-request-id", "old", "lane-old");
        nanos.addAndGet(600_000_000L);
        map.put("x-request-id", "b", "lane-b");
        map.put("x-request-id", "c", "lane-c");
        map.get("x-request-id", "b");
        map.get("x-request-id", "c");
        nanos.addAndGet(600_000_000L); // "old" has expired; by use alone, b would be the one to go
        map.put("x-request-id", "d", "lane-d");
        assertEquals("lane-b", map.get("x-request-id", "b"));
        assertEquals("lane-c", map.get("x-request-id", "c"));
        assertEquals("lane-d", map.get("x-request-id", "d"));
        assertNull(map.get("x-request-id", "old"));
        assertEquals(3, map.size());
        map.put("x-request-id", "e", "lane-e");
        assertNull(map.get("x-request-id", "b"), "no entry expired: the least recently used goes");
        assertEquals("lane-e", map.get("x-request-id", "e"));
    }

    @Test
    void everySetOfALargeMapIsBoundedAndTheMostRecentIdsSurvive() {
        // 100,000 entries: 64 stripes of 195 sets of 8 slots each (a few hold 9)
        TraceMap map = new TraceMap(100_000, 60_000);
        int alive = 0;
        for (long i = 0; i < 300_000; i++) {
            map.put("traceparent", traceparent(String.format("%032x", i * 0x9e3779b97f4a7c15L), "b7ad6b7169203331"), "lane");
        }
        // a set fills by the ids that hash to it: after 3 map's worth of random ids nearly every slot is in use
        assertTrue(map.size() <= 100_000 && map.size() > 99_900, "size " + map.size());
        for (long i = 300_000 - 20_000; i < 300_000; i++) {
            if (map.get("traceparent", traceparent(String.format("%032x", i * 0x9e3779b97f4a7c15L), "00f067aa0ba902b7")) != null) {
                alive++;
            }
        }
        // a set evicts by its own use, not the whole map's: the last fifth of a full map's worth nearly all survive
        assertTrue(alive > 19_000, alive + " of the last 20,000 ids still mapped");
    }

    @Test
    void aVeryLargeBoundTakesMemoryOnlyAsItIsUsed() {
        Runtime rt = Runtime.getRuntime();
        // 100,000,000 entries would be 3.6 GB at once; a few ids touch a few stripes of at most 16,384 slots
        TraceMap map = new TraceMap(100_000_000, 60_000);
        for (int i = 0; i < 10; i++) map.put("x-request-id", "req-" + i, "lane");
        for (int i = 0; i < 10; i++) assertEquals("lane", map.get("x-request-id", "req-" + i));
        assertEquals(10, map.size());
        assertTrue(rt.totalMemory() - rt.freeMemory() < 1L << 30, "heap used " + (rt.totalMemory() - rt.freeMemory()));
    }

    @Test
    void aMillionIdsStayWithinTheBound() {
        int max = 100_000;
        TraceMap map = new TraceMap(max, 60_000);
        int total = 1_000_000;
        for (int i = 0; i < total; i++) {
            map.put("x-request-id", "req-" + i, (i & 1) == 0 ? "even" : "odd");
            if (i % 125_000 == 0 || i == max || i == max + 1) {
                assertTrue(map.size() <= max, "size " + map.size() + " after " + (i + 1) + " ids");
            }
        }
        assertEquals(max, map.size(), "full, but not over");
        for (int i = total - 1000; i < total; i++) {
            assertEquals((i & 1) == 0 ? "even" : "odd", map.get("x-request-id", "req-" + i), "recent id " + i);
        }
        int oldFound = 0;
        for (int i = 0; i < 1000; i++) {
            if (map.get("x-request-id", "req-" + i) != null) oldFound++;
        }
        assertEquals(0, oldFound, "the oldest ids were evicted");
        assertEquals(max, map.size());
    }

    @Test
    void concurrentWritersStayWithinTheBound() throws InterruptedException {
        final TraceMap map = new TraceMap(1000, 60_000);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int id = t;
            Thread thread = new Thread(new Runnable() {
                @Override
                public void run() {
                    for (int i = 0; i < 50_000; i++) {
                        map.put("x-request-id", id + "-" + i, "lane");
                        map.get("x-request-id", id + "-" + (i / 2));
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) thread.join(30_000);
        assertEquals(1000, map.size(), "every shard is full, none is over");
    }
}
