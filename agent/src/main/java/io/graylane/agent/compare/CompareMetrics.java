package io.graylane.agent.compare;

import io.graylane.core.metrics.MetricSource;
import io.graylane.core.metrics.MetricsWriter;

/** The comparison's counters on the metrics endpoint, registered when comparison starts. */
final class CompareMetrics implements MetricSource {

    private final MirrorCompare compare;

    CompareMetrics(MirrorCompare compare) {
        this.compare = compare;
    }

    @Override
    public void writeTo(MetricsWriter out) {
        out.counter("graylane_mirror_compared_total",
                "Compared copies by verdict: equal, different, noise-only, incomparable (as the "
                        + "graylane:type=MirrorCompare MBean).");
        out.sample("verdict", "equal", compare.getEqual());
        out.sample("verdict", "different", compare.getDifferent());
        out.sample("verdict", "noise-only", compare.getNoiseOnly());
        out.sample("verdict", "incomparable", compare.getIncomparable());
    }
}
