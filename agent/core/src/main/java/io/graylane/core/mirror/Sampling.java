package io.graylane.core.mirror;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Which requests are copied: a stable function of the sample-key header, so that a request id is always in or
 * always out, in every service that uses the same percentage (and a lower percentage picks a subset of a higher one).
 *
 * <p>The rule, so that other implementations can agree: h = FNV-1a 64-bit over the UTF-8 bytes of the header value,
 * then MurmurHash3's fmix64; the request is selected when {@code (h >>> 11) < percentage / 100 * 2^53}. A request
 * without the header is selected at random with the same probability.
 */
public final class Sampling {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final double TWO_TO_53 = 9007199254740992.0;

    private final long threshold;
    private final boolean all;
    private final boolean none;

    public Sampling(double percentage) {
        this.all = percentage >= 100;
        this.none = !(percentage > 0);
        this.threshold = (long) Math.ceil(percentage / 100 * TWO_TO_53);
    }

    /** Whether a request whose sample-key header is {@code key} (null when absent) is copied. */
    public boolean selects(String key) {
        if (all) return true;
        if (none) return false;
        long bucket = key == null ? ThreadLocalRandom.current().nextLong() >>> 11 : hash(key) >>> 11;
        return bucket < threshold;
    }

    /** FNV-1a 64 over the UTF-8 encoding of {@code s} (encoded on the fly, nothing allocated), then fmix64. */
    static long hash(String s) {
        long h = FNV_OFFSET;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                h = (h ^ c) * FNV_PRIME;
                continue;
            }
            if (Character.isHighSurrogate((char) c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                c = Character.toCodePoint((char) c, s.charAt(++i));
            } else if (Character.isSurrogate((char) c)) {
                c = '?'; // what String.getBytes(UTF_8) writes for a lone surrogate
                h = (h ^ c) * FNV_PRIME;
                continue;
            }
            if (c < 0x800) {
                h = (h ^ (0xc0 | (c >> 6))) * FNV_PRIME;
            } else if (c < 0x10000) {
                h = (h ^ (0xe0 | (c >> 12))) * FNV_PRIME;
                h = (h ^ (0x80 | ((c >> 6) & 0x3f))) * FNV_PRIME;
            } else {
                h = (h ^ (0xf0 | (c >> 18))) * FNV_PRIME;
                h = (h ^ (0x80 | ((c >> 12) & 0x3f))) * FNV_PRIME;
                h = (h ^ (0x80 | ((c >> 6) & 0x3f))) * FNV_PRIME;
            }
            h = (h ^ (0x80 | (c & 0x3f))) * FNV_PRIME;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
