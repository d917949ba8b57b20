package io.graylane.core.guard;

/**
 * The shadow write guard's counters, registered as {@code graylane:type=ShadowGuard} when the guard first sees work
 * of a shadow copy. Blocked: calls of shadow copies stopped before they were sent. Allowed: calls of shadow copies
 * that went through (reads under {@code writes}, and calls {@code graylane.shadow.allow} lets through).
 */
public interface ShadowGuardMBean {

    /** {@code graylane.shadow.guard}: off, writes or all. */
    String getMode();

    long getBlocked();

    long getAllowed();

    long getHttpBlocked();

    long getHttpAllowed();

    long getGrpcBlocked();

    long getGrpcAllowed();

    long getDubboBlocked();

    long getDubboAllowed();

    long getJdbcBlocked();

    long getJdbcAllowed();

    /** Kafka and RocketMQ sends. */
    long getMessagingBlocked();

    long getMessagingAllowed();
}
