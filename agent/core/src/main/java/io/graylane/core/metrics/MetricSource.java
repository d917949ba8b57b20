package io.graylane.core.metrics;

/**
 * A feature's metric families, written on each scrape of {@code GET /metrics}. Implementations read their own
 * counters (never reset them) and must be cheap and thread-safe: a scrape runs on the metrics thread while the
 * counters keep moving. See {@link Metrics} for how to register one.
 */
public interface MetricSource {

    /** Writes this source's families; a family name may appear only once across all sources. */
    void writeTo(MetricsWriter out);
}
