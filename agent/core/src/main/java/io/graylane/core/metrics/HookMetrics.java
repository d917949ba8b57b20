package io.graylane.core.metrics;

import io.graylane.core.Traffic;
import io.graylane.core.config.Config;
import io.graylane.core.hook.Hook;

/** {@code graylane_hook_failed{hook}}: 1 for an enabled instrumentation whose advice failed and switched it off. */
final class HookMetrics implements MetricSource {

    @Override
    public void writeTo(MetricsWriter out) {
        Config config = Traffic.config();
        out.gauge("graylane_hook_failed",
                "1 when the instrumentation failed and is switched off for this process (logged once), else 0.");
        for (Hook hook : Hook.values()) {
            if (config == null || config.isEnabled(hook)) out.sample("hook", hook.configName(), hook.isOn() ? 0 : 1);
        }
    }
}
