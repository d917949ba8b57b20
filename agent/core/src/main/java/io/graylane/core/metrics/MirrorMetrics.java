package io.graylane.core.metrics;

import io.graylane.core.Traffic;
import io.graylane.core.mirror.Mirror;

/** The mirror's counters (MBean {@code graylane:type=Mirror}), when mirroring is on. */
final class MirrorMetrics implements MetricSource {

    @Override
    public void writeTo(MetricsWriter out) {
        Mirror mirror = Traffic.mirror();
        if (mirror == null) return;
        out.counter("graylane_mirror_selected_total",
                "Inbound requests selected for copying by graylane.mirror.percentage.");
        out.sample(mirror.getSelected());
        out.counter("graylane_mirror_copies_total",
                "Selected requests by outcome: sent (the target answered), failed (not delivered), dropped (queue "
                        + "full), skipped (body too large or not read completely, upgrades).");
        out.sample("outcome", "sent", mirror.getSent());
        out.sample("outcome", "failed", mirror.getFailed());
        out.sample("outcome", "dropped", mirror.getDropped());
        out.sample("outcome", "skipped", mirror.getSkipped());
        out.gauge("graylane_mirror_queued", "Copies waiting in the queue now.");
        out.sample(mirror.getQueued());
    }
}
