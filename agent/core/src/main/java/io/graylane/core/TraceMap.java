package io.graylane.core;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * traceId -> label, bounded and expiring, built for the request path: a put or get allocates nothing
 * and reads the few adjacent cache lines of one set.
 *
 * <p>The map is a set-associative cache. A trace id becomes a 128-bit key (a lower-case hex trace
 * id is parsed into its own bits, any other value is hashed), and the key a 64-bit fingerprint that
 * picks a stripe (one lock, at most 16,384 slots, its arrays allocated on its first put) and a set
 * of 8 to 15 slots in it. When the set is full, its least recently used entry goes first (an expired
 * one before any live one). Maps of fewer than 16 entries are one set: exact LRU. The bound is exact:
 * the slots are allocated up front, per stripe, and never grow. An entry older than the TTL is
 * treated as absent.
 *
 * <p>A slot is two longs, the fingerprint and the entry's state (expiry and last use), so the map
 * holds no object per entry and the collector has nothing to trace in it but the labels, which are
 * shared per distinct label. Two trace ids are mistaken for each other only if their fingerprints are
 * equal and they fall in the same set: odds of about one in 10^17 per look-up.
 */
public final class TraceMap {

    private static final int STRIPES = 64;
    /** Most slots in one stripe: memory is taken in steps of at most about 600 KB, as stripes are first used. */
    private static final int STRIPE_SLOTS = 16_384;
    /** Slots per set; a set has WAYS to 2 * WAYS - 1 of them. */
    static final int WAYS = 8;
    /** Distinct labels shared between entries; later ones are kept per entry. */
    private static final int MAX_SHARED_LABELS = 1024;

    private final Stripe[] stripes;
    private final long ttlMillis;
    private final LongSupplier clock;
    /** The clock's reading when the map was made: entries keep their expiry in milliseconds from it. */
    private final long origin;
    private final ConcurrentHashMap<String, String> labels = new ConcurrentHashMap<>();
    /**
     * The label {@link #shared} returned last (most requests carry the label the one before carried): read and
     * written without a fence, a String being safe to publish by a race.
     */
    private String lastShared;

    public TraceMap(int maxEntries, long ttlMillis) {
        this(maxEntries, ttlMillis, NanoClock.INSTANCE);
    }

    TraceMap(int maxEntries, long ttlMillis, LongSupplier nanoClock) {
        int count = maxEntries < STRIPES * 2 * WAYS ? 1 : Math.max(STRIPES, (maxEntries + STRIPE_SLOTS - 1) / STRIPE_SLOTS);
        stripes = new Stripe[count];
        int base = maxEntries / count;
        for (int i = 0; i < count; i++) stripes[i] = new Stripe(base + (i < maxEntries % count ? 1 : 0));
        this.ttlMillis = Math.min(Math.max(0, ttlMillis), Stripe.MAX_MILLIS);
        clock = nanoClock;
        origin = nanoClock.getAsLong();
    }

    /**
     * Records the label for the traces named by {@code values[i]} of {@code headers[i]}, for each {@code i} of
     * {@code indexes} whose value is not null (the label shared between them, looked up once); a value naming no
     * trace, or no label, is ignored.
     */
    public void put(String[] headers, String[] values, int[] indexes, String label) {
        if (label == null) return;
        String shared = null;
        long now = 0;
        for (int i : indexes) {
            int to = Key.end(headers[i], values[i]);
            if (to < 0) continue;
            if (shared == null) {
                shared = shared(label);
                now = millis();
            }
            record(headers[i], values[i], to, shared, now);
        }
    }

    /** Records the label for the trace named by this header value; a value naming no trace, or no label, is ignored. */
    public void put(String header, String value, String label) {
        int to = label == null ? -1 : Key.end(header, value);
        if (to >= 0) record(header, value, to, shared(label), millis());
    }

    /**
     * {@code to}: {@link Key#end} of the value, not negative; {@code shared}: {@link #shared}; {@code now}:
     * {@link #millis}.
     */
    private void record(String header, String value, int to, String shared, long now) {
        long key = Key.fingerprint(value, Key.start(header), to);
        stripe(key).put(key, shared, now, Math.min(now + ttlMillis, Stripe.MAX_MILLIS));
    }

    /** The label recorded for the trace named by this header value, or null. */
    public String get(String header, String value) {
        int to = Key.end(header, value);
        if (to < 0) return null;
        long key = Key.fingerprint(value, Key.start(header), to);
        return stripe(key).get(key, millis());
    }

    /** Milliseconds since the map was made (the nanosecond clock may wrap around; the difference does not). */
    private long millis() {
        return (clock.getAsLong() - origin) / 1_000_000L;
    }

    public int size() {
        int n = 0;
        for (Stripe s : stripes) n += s.size();
        return n;
    }

    /** System.nanoTime, as a class rather than a method reference: no lambda machinery at the agent's start. */
    private static final class NanoClock implements LongSupplier {
        static final NanoClock INSTANCE = new NanoClock();

        @Override
        public long getAsLong() {
            return System.nanoTime();
        }
    }

    private Stripe stripe(long hash) {
        // the high 32 bits scaled to the number of stripes (a multiply, not a division); the set takes the low 32
        return stripes.length == 1 ? stripes[0] : stripes[(int) (((hash >>> 32) * stripes.length) >>> 32)];
    }

    private String shared(String label) {
        String last = lastShared;
        if (label.equals(last)) return last;
        String known = labels.get(label);
        if (known == null) {
            if (labels.size() >= MAX_SHARED_LABELS) return label;
            known = labels.putIfAbsent(label, label);
            if (known == null) known = label;
        }
        lastShared = known;
        return known;
    }

    /**
     * The part of a header value that names the trace, as a 128-bit key: the trace-id field of
     * {@code traceparent} and of single-header {@code b3} (their span ids change per hop), the whole
     * value otherwise. A 32- or 16-digit lower-case hex id is its own key (a 16-digit b3 id equals its
     * zero-padded 32-digit form); any other text is hashed twice, 64 bits each. Computed in primitives,
     * so that a look-up allocates nothing.
     */
    static final class Key {

        /** 1 for every ASCII character that is not a lower-case hex digit. */
        private static final byte[] NOT_HEX = new byte[128];

        static {
            Arrays.fill(NOT_HEX, (byte) 1);
            for (char c = '0'; c <= '9'; c++) NOT_HEX[c] = 0;
            for (char c = 'a'; c <= 'f'; c++) NOT_HEX[c] = 0;
        }

        private Key() {}

        /** Where the trace id starts in a value of this header. */
        static int start(String header) {
            return header.equals("traceparent") ? 3 : 0;
        }

        /** Where the trace id ends in this value, or -1 when the value names no trace. */
        static int end(String header, String value) {
            if (value == null || value.isEmpty()) return -1;
            if (header.equals("traceparent")) return value.length() >= 35 && value.charAt(2) == '-' ? 35 : -1;
            if (header.equals("b3")) {
                int dash = value.indexOf('-');
                // a value without '-' ("0", "1", "d") is a sampling decision only and names no trace
                return dash > 0 ? dash : -1;
            }
            return value.length();
        }

        /**
         * The key's 64-bit fingerprint, mixed bits that also pick the stripe and the set: a hex id's own bits, or two
         * 64-bit hashes of the text, both computed in one pass (their multiply chains are independent, so the CPU
         * runs them side by side), combined.
         */
        static long fingerprint(String s, int from, int to) {
            long high;
            long low;
            if (isHexId(s, from, to)) {
                high = to - from == 32 ? hex(s, from) : 0;
                low = hex(s, to - 16);
            } else {
                long h1 = 0xcbf29ce484222325L;
                long h2 = to - from;
                for (int i = from; i < to; i++) {
                    char c = s.charAt(i);
                    h1 = (h1 ^ c) * 0x100000001b3L;
                    h2 = (h2 + c) * 0xc6a4a7935bd1e995L;
                }
                high = mix(h1);
                low = mix(h2 ^ 0x5bd1e995L);
            }
            return mix(high * 0x9e3779b97f4a7c15L + low);
        }

        /**
         * Whether the range is a 32- or 16-digit lower-case hex id, kept as its own bits. Checked without a branch
         * per digit: the digits of a random id would mispredict one branch in three.
         */
        static boolean isHexId(String s, int from, int to) {
            int length = to - from;
            if (length != 32 && length != 16) return false;
            int invalid = 0;
            for (int i = from; i < to; i++) {
                char c = s.charAt(i);
                invalid |= c < 128 ? NOT_HEX[c] : 1;
            }
            return invalid == 0;
        }


        /** The 16 lower-case hex digits at {@code from} (checked by isHexId) as a long; no branch per digit. */
        private static long hex(String s, int from) {
            long v = 0;
            for (int i = from; i < from + 16; i++) {
                char c = s.charAt(i);
                v = v << 4 | ((c & 0xf) + 9 * (c >>> 6)); // '0'-'9' are 0x30-0x39, 'a'-'f' 0x61-0x66
            }
            return v;
        }

        /** The 64-bit finalizer of MurmurHash3. */
        private static long mix(long h) {
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            return h ^ h >>> 33;
        }
    }

    /**
     * One lock and its slots. Slot {@code i} is {@code slots[2 * i]}, the key's fingerprint, and
     * {@code slots[2 * i + 1]}, its state: 0 when the slot is empty, else the expiry (milliseconds since
     * the map was made, plus one) above the low {@link #TICK_BITS} bits of the stripe's access counter
     * at the entry's last put or get. The slots of a set lie side by side in memory.
     */
    private static final class Stripe {
        static final int TICK_BITS = 24;
        static final long TICK_MASK = (1L << TICK_BITS) - 1;
        /** Latest expiry a state can hold: about 34 years after the map was made. */
        static final long MAX_MILLIS = (1L << (63 - TICK_BITS)) - 2;

        private final int capacity;
        private final int sets;
        /** Slots in every set, and how many of the first sets hold one more. */
        private final int perSet;
        private final int larger;
        private long[] slots;
        private String[] label;
        private long clock;
        private int size;

        Stripe(int capacity) {
            this.capacity = capacity;
            this.sets = Math.max(1, capacity / WAYS);
            this.perSet = capacity / sets;
            this.larger = capacity % sets;
        }

        /** First slot of set {@code s}: sets hold capacity / sets slots, the first capacity % sets of them one more. */
        private int start(int s) {
            return s * perSet + Math.min(s, larger);
        }

        private int setOf(long key) {
            return (int) (((key & 0xffffffffL) * sets) >>> 32); // the low 32 bits scaled to the sets, no division
        }

        private static boolean expired(long state, long now) {
            return now - ((state >>> TICK_BITS) - 1) > 0;
        }

        synchronized void put(long key, String value, long now, long expires) {
            if (capacity == 0) return;
            if (slots == null) {
                slots = new long[2 * capacity];
                label = new String[capacity];
            }
            long[] s = slots;
            long tick = clock & TICK_MASK;
            int set = setOf(key);
            int match = -1, empty = -1, expired = -1, leastRecentlyUsed = -1;
            long oldest = -1;
            for (int i = 2 * start(set), to = 2 * start(set + 1); i < to; i += 2) {
                long state = s[i + 1];
                long age = (tick - state) & TICK_MASK; // accesses since its last one (the counter may have wrapped)
                if (state == 0) {
                    if (empty < 0) empty = i;
                } else if (s[i] == key) {
                    match = i;
                    break;
                } else if (expired(state, now)) {
                    if (expired < 0) expired = i;
                } else if (age > oldest) {
                    oldest = age;
                    leastRecentlyUsed = i;
                }
            }
            int at;
            if (match >= 0) {
                at = match;
            } else if (empty >= 0) {
                at = empty;
                size++;
            } else {
                // the set is full and the key is new: an expired entry goes before the least recently used one
                at = expired >= 0 ? expired : leastRecentlyUsed;
            }
            s[at] = key;
            s[at + 1] = (expires + 1) << TICK_BITS | (++clock & TICK_MASK);
            label[at >> 1] = value;
        }

        synchronized String get(long key, long now) {
            long[] s = slots;
            if (s == null) return null;
            int set = setOf(key);
            for (int i = 2 * start(set), to = 2 * start(set + 1); i < to; i += 2) {
                long state = s[i + 1];
                if (state != 0 && s[i] == key) {
                    if (expired(state, now)) {
                        s[i + 1] = 0;
                        label[i >> 1] = null;
                        size--;
                        return null;
                    }
                    s[i + 1] = (state & ~TICK_MASK) | (++clock & TICK_MASK);
                    return label[i >> 1];
                }
            }
            return null;
        }

        synchronized int size() {
            return size;
        }
    }
}
