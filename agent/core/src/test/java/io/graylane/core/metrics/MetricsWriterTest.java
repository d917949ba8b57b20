package io.graylane.core.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsWriterTest {

    @Test
    void familiesHaveHelpAndTypeThenTheirSamples() {
        MetricsWriter out = new MetricsWriter();
        out.counter("graylane_outbound_calls_total", "Outbound calls.")
                .sample("hook", "okhttp", "context", "request", 3)
                .sample("hook", "okhttp", "context", "none", 0);
        out.gauge("graylane_mirror_queued", "Copies waiting.").sample(7);
        out.counter("graylane_inbound_rejected_total", "Rejected.").sample("hook", "servlet", 12345678901L);
        assertEquals("# HELP graylane_outbound_calls_total Outbound calls.\n"
                + "# TYPE graylane_outbound_calls_total counter\n"
                + "graylane_outbound_calls_total{hook=\"okhttp\",context=\"request\"} 3\n"
                + "graylane_outbound_calls_total{hook=\"okhttp\",context=\"none\"} 0\n"
                + "# HELP graylane_mirror_queued Copies waiting.\n"
                + "# TYPE graylane_mirror_queued gauge\n"
                + "graylane_mirror_queued 7\n"
                + "# HELP graylane_inbound_rejected_total Rejected.\n"
                + "# TYPE graylane_inbound_rejected_total counter\n"
                + "graylane_inbound_rejected_total{hook=\"servlet\"} 12345678901\n", out.toString());
    }

    @Test
    void labelValuesAndHelpAreEscapedAsTheFormatRequires() {
        MetricsWriter out = new MetricsWriter();
        out.gauge("g", "a \\ b\nc \"quoted\"").sample("l", "back\\slash \"q\"\nnew", 1).sample("l", null, 2);
        assertEquals("# HELP g a \\\\ b\\nc \"quoted\"\n# TYPE g gauge\n"
                + "g{l=\"back\\\\slash \\\"q\\\"\\nnew\"} 1\n"
                + "g{l=\"\"} 2\n", out.toString());
    }

    @Test
    void wrongNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MetricsWriter().counter("graylane_calls", "no _total"));
        assertThrows(IllegalArgumentException.class, () -> new MetricsWriter().gauge("1abc", "digit first"));
        assertThrows(IllegalArgumentException.class, () -> new MetricsWriter().gauge("a-b", "dash"));
        assertThrows(IllegalArgumentException.class, () -> new MetricsWriter().gauge("g", "h").sample("__x", "v", 1));
        assertThrows(IllegalArgumentException.class, () -> new MetricsWriter().gauge("g", "h").sample("a.b", "v", 1));
        assertThrows(IllegalArgumentException.class, () -> new MetricsWriter().sample(1));
        MetricsWriter twice = new MetricsWriter();
        twice.gauge("g", "h");
        assertThrows(IllegalArgumentException.class, () -> twice.gauge("g", "again"));
        assertTrue(MetricsWriter.isMetricName("graylane:x_total1"));
    }
}
