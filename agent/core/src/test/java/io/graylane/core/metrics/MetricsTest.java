package io.graylane.core.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {

    @Test
    void aScrapeHasGraylanesOwnFamilies() {
        String text = Metrics.scrape();
        assertTrue(text.contains("# TYPE graylane_inbound_requests_total counter\n"), text);
        assertTrue(text.contains("# TYPE graylane_inbound_rejected_total counter\n"), text);
        assertTrue(text.contains("# TYPE graylane_outbound_calls_total counter\n"), text);
        assertTrue(text.contains("graylane_inbound_requests_total{hook=\"servlet\",source=\"trace-map\"} "), text);
        assertTrue(text.contains("graylane_outbound_calls_total{hook=\"okhttp\",context=\"background\"} "), text);
        assertTrue(text.contains("graylane_hook_failed{hook=\"servlet\"} 0\n"), text);
        assertFalse(text.contains("graylane_mirror_"), "mirroring is off: " + text);
    }

    @Test
    void aSourceThatFailsOrRepeatsAFamilyIsLeftOutAndTheOthersStay() {
        MetricSource failing = out -> {
            out.counter("test_partial_total", "written before the failure").sample(1);
            throw new IllegalStateException("boom");
        };
        MetricSource repeating = out -> out.counter("graylane_outbound_calls_total", "taken").sample(1);
        MetricSource fine = out -> out.gauge("test_fine", "fine").sample(5);
        try {
            assertTrue(Metrics.register(failing));
            assertTrue(Metrics.register(repeating));
            assertTrue(Metrics.register(fine));
            assertFalse(Metrics.register(fine), "registered twice");
            String text = Metrics.scrape();
            assertFalse(text.contains("test_partial_total"), text);
            assertEquals(1, text.split("# TYPE graylane_outbound_calls_total ", -1).length - 1, text);
            assertTrue(text.contains("test_fine 5\n"), text);
            assertTrue(text.contains("graylane_inbound_requests_total"), text);
        } finally {
            Metrics.unregister(failing);
            Metrics.unregister(repeating);
            Metrics.unregister(fine);
        }
    }

    @Test
    void theRegistryIsBounded() {
        List<MetricSource> added = new ArrayList<>();
        try {
            for (int i = 0; i < Metrics.MAX_SOURCES + 5; i++) {
                MetricSource s = out -> { };
                if (Metrics.register(s)) added.add(s);
            }
            assertTrue(added.size() < Metrics.MAX_SOURCES, "accepted " + added.size());
        } finally {
            for (MetricSource s : added) Metrics.unregister(s);
        }
    }
}
