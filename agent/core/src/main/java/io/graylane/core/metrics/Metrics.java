package io.graylane.core.metrics;

import io.graylane.core.log.Log;

import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry of what {@code GET /metrics} shows (graylane.metrics.port): a bounded list of {@link MetricSource}s,
 * written in registration order on each scrape. graylane's own sources ({@link TrafficCounters}, the hooks' state,
 * the mirror) are registered here from the start.
 *
 * <p>How a feature adds its counters: keep them where the feature keeps them (LongAdder or AtomicLong fields, as
 * for its MBean), implement {@link MetricSource} over them, and register it once, when the feature starts:
 * <pre>
 * Metrics.register(new MetricSource() {
 *     public void writeTo(MetricsWriter out) {
 *         out.counter("graylane_shadow_guard_blocked_total", "Outbound calls of shadow copies blocked, by kind.");
 *         out.sample("kind", "http", blockedHttp.sum());
 *         out.sample("kind", "jdbc", blockedJdbc.sum());
 *     }
 * });
 * </pre>
 * Names start with {@code graylane_}, counters end in {@code _total}; label values are small fixed sets, never
 * request data. A source whose state belongs to a configuration that may be replaced reads the current instance on
 * each scrape (as the mirror source reads {@code Traffic.mirror()}) rather than registering per instance. A source
 * that throws is left out of that scrape (logged once); the others are still written.
 */
public final class Metrics {

    /** Bound of the registry; registering more is refused (and logged). */
    static final int MAX_SOURCES = 64;

    private static final CopyOnWriteArrayList<MetricSource> SOURCES = new CopyOnWriteArrayList<MetricSource>();
    private static volatile boolean sourceFailed;

    static {
        SOURCES.add(TrafficCounters.SOURCE);
        SOURCES.add(new HookMetrics());
        SOURCES.add(new MirrorMetrics());
        SOURCES.add(new GuardMetrics());
    }

    private Metrics() {}

    /** Adds a source to every later scrape; false when it is already registered or the registry is full. */
    public static boolean register(MetricSource source) {
        synchronized (SOURCES) {
            if (SOURCES.contains(source)) return false;
            if (SOURCES.size() >= MAX_SOURCES) {
                Log.warn("metrics: more than " + MAX_SOURCES + " metric sources; " + source.getClass().getName() + " is not shown");
                return false;
            }
            return SOURCES.add(source);
        }
    }

    /** Removes a source (for tests and features that stop). */
    public static void unregister(MetricSource source) {
        SOURCES.remove(source);
    }

    /** Every registered family, as the body of a {@code GET /metrics} answer. */
    public static String scrape() {
        MetricsWriter out = new MetricsWriter();
        for (MetricSource source : SOURCES) {
            MetricsWriter part = out.fork();
            try {
                source.writeTo(part);
            } catch (RuntimeException e) {
                if (!sourceFailed) {
                    sourceFailed = true;
                    Log.error("metrics: " + source.getClass().getName() + " failed and is left out of the scrape"
                            + " (logged once)", e);
                }
                continue;
            }
            out.append(part);
        }
        return out.toString();
    }
}
