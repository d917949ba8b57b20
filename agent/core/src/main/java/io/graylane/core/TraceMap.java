package io.graylane.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * traceId -> label, bounded and expiring. Sharded so concurrent requests rarely contend; within a
 * shard the least recently used entry goes first once the shard is full, and an entry older than
 * the TTL is treated as absent.
 */
public final class TraceMap {

    private static final int SHARDS = 16;

    private final Shard[] shards;
    private final long ttlNanos;
    private final LongSupplier clock;

    public TraceMap(int maxEntries, long ttlMillis) {
        this(maxEntries, ttlMillis, System::nanoTime);
    }

    TraceMap(int maxEntries, long ttlMillis, LongSupplier nanoClock) {
        int shardCount = maxEntries < SHARDS * 16 ? 1 : SHARDS;
        this.shards = new Shard[shardCount];
        int base = maxEntries / shardCount;
        for (int i = 0; i < shardCount; i++) shards[i] = new Shard(base + (i < maxEntries % shardCount ? 1 : 0));
        this.ttlNanos = ttlMillis * 1_000_000L;
        this.clock = nanoClock;
    }

    public void put(String header, String value, String label) {
        String key = traceId(header, value);
        if (key != null) shard(key).put(key, new Recorded(label, clock.getAsLong() + ttlNanos));
    }

    /** The label recorded for this trace id header value, or null. */
    public String get(String header, String value) {
        String key = traceId(header, value);
        return key == null ? null : shard(key).get(key, clock.getAsLong());
    }

    public int size() {
        int n = 0;
        for (Shard s : shards) n += s.size();
        return n;
    }

    /**
     * The part of a header value that names the trace: the trace-id field of {@code traceparent}
     * and of single-header {@code b3} (their span ids change per hop), the whole value otherwise;
     * null when the value names no trace.
     */
    static String traceId(String header, String value) {
        if (value == null || value.isEmpty()) return null;
        if (header.equals("traceparent")) {
            return value.length() >= 35 && value.charAt(2) == '-' ? value.substring(3, 35) : null;
        }
        if (header.equals("b3")) {
            int dash = value.indexOf('-');
            // a value without '-' ("0", "1", "d") is a sampling decision only and names no trace
            return dash > 0 ? value.substring(0, dash) : null;
        }
        return value;
    }

    private Shard shard(String key) {
        return shards.length == 1 ? shards[0] : shards[(key.hashCode() & 0x7fffffff) % shards.length];
    }

    private static final class Recorded {
        final String label;
        final long expiresAt;

        Recorded(String label, long expiresAt) {
            this.label = label;
            this.expiresAt = expiresAt;
        }
    }

    private static final class Shard {
        private final Map<String, Recorded> entries;

        Shard(final int capacity) {
            entries = new LinkedHashMap<String, Recorded>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Recorded> eldest) {
                    return size() > capacity;
                }
            };
        }

        synchronized void put(String key, Recorded entry) {
            entries.put(key, entry);
        }

        synchronized String get(String key, long now) {
            Recorded e = entries.get(key);
            if (e == null) return null;
            if (now - e.expiresAt > 0) {
                entries.remove(key);
                return null;
            }
            return e.label;
        }

        synchronized int size() {
            return entries.size();
        }
    }
}
