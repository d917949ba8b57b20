package io.graylane.core.mirror;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplingTest {

    /** The documented rule, written the plain way: FNV-1a 64 over UTF-8 bytes, then fmix64. */
    private static long reference(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) h = (h ^ (b & 0xff)) * 0x100000001b3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Test
    void hashIsFnv1aOverUtf8ThenFmix64() {
        for (String s : new String[] {"", "a", "req-42", "héllo", "日本語", "emoji \uD83D\uDE00", "lone \uD800 surrogate"}) {
            assertEquals(reference(s), Sampling.hash(s), s);
        }
    }

    @Test
    void sameKeySameDecisionAndALowerPercentageIsASubset() {
        Sampling quarter = new Sampling(25);
        Sampling half = new Sampling(50);
        int selected = 0;
        for (int i = 0; i < 20000; i++) {
            String key = "request-" + i;
            boolean q = quarter.selects(key);
            assertEquals(q, quarter.selects(key), key);
            assertEquals(q, new Sampling(25).selects(key), "any service with the same percentage agrees");
            if (q) {
                selected++;
                assertTrue(half.selects(key), "selected at 25% is selected at 50%");
            }
        }
        assertTrue(selected > 4500 && selected < 5500, "25% of 20000 request ids: " + selected);
    }

    @Test
    void boundsAndMissingKeys() {
        assertTrue(new Sampling(100).selects("x"));
        assertTrue(new Sampling(100).selects(null));
        assertFalse(new Sampling(0).selects("x"));
        assertFalse(new Sampling(0).selects(null));
        int random = 0;
        Sampling tenth = new Sampling(10);
        for (int i = 0; i < 20000; i++) if (tenth.selects(null)) random++;
        assertTrue(random > 1600 && random < 2400, "without a key, 10% at random: " + random);
    }
}
