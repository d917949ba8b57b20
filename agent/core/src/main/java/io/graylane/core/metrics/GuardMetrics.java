package io.graylane.core.metrics;

import io.graylane.core.guard.ShadowGuard;

/** The shadow write guard's counters (as the {@code graylane:type=ShadowGuard} MBean), when the guard is on. */
final class GuardMetrics implements MetricSource {

    @Override
    public void writeTo(MetricsWriter out) {
        ShadowGuard guard = ShadowGuard.get();
        if (guard == null) return;
        out.counter("graylane_shadow_guard_calls_total",
                "Outbound calls and statements of shadow copies checked by graylane.shadow.guard, by kind and outcome "
                        + "(blocked: failed before anything was sent; allowed: a read, or on graylane.shadow.allow).");
        out.sample("kind", "http", "outcome", "blocked", guard.getHttpBlocked());
        out.sample("kind", "http", "outcome", "allowed", guard.getHttpAllowed());
        out.sample("kind", "grpc", "outcome", "blocked", guard.getGrpcBlocked());
        out.sample("kind", "grpc", "outcome", "allowed", guard.getGrpcAllowed());
        out.sample("kind", "dubbo", "outcome", "blocked", guard.getDubboBlocked());
        out.sample("kind", "dubbo", "outcome", "allowed", guard.getDubboAllowed());
        out.sample("kind", "jdbc", "outcome", "blocked", guard.getJdbcBlocked());
        out.sample("kind", "jdbc", "outcome", "allowed", guard.getJdbcAllowed());
        out.sample("kind", "messaging", "outcome", "blocked", guard.getMessagingBlocked());
        out.sample("kind", "messaging", "outcome", "allowed", guard.getMessagingAllowed());
    }
}
