package io.graylane.core;

import io.graylane.core.hook.Hook;

import java.util.Arrays;

/**
 * Reads the headers of one received message (a Kafka record's headers, a RocketMQ message's user properties) and
 * resolves its {@link TrafficContext} by the same label sources, label rules, trace headers and traceId -> label map
 * as an inbound request. Unlike {@link InboundRequest} it makes nothing current: a consumer hook decides when the
 * context applies ({@link Traffic#beginRecord}, or {@link Traffic#replay} around a listener call). One per thread,
 * reused for every message.
 *
 * <pre>
 * ReceivedMessage m = Traffic.message(Hook.KAFKA);   // null when switched off
 * if (m != null) {
 *     for (int i = 0; i &lt; m.size(); i++) m.set(i, valueOf(message, m.name(i)));
 *     TrafficContext context = m.resolve();
 * }
 * </pre>
 */
public final class ReceivedMessage {

    private final Inbound inbound;
    private final String[] names;
    private final String[] values;

    ReceivedMessage(Inbound inbound) {
        this.inbound = inbound;
        this.names = inbound.headerNames();
        this.values = new String[names.length];
    }

    boolean uses(Inbound resolver) {
        return inbound == resolver;
    }

    /** Number of headers to read. */
    public int size() {
        return values.length;
    }

    /** The lower-case name of header {@code i}. */
    public String name(int i) {
        return names[i];
    }

    /** The message's value of header {@code i}, or null when absent. */
    public void set(int i, String value) {
        values[i] = value;
    }

    /**
     * The message's context: its label by the configured sources (rejected values are skipped and counted; an
     * unlabelled message gets the local label), its trace headers and shadow marker. Clears what was set.
     */
    public TrafficContext resolve() {
        try {
            return inbound.resolve(values);
        } finally {
            Arrays.fill(values, null);
        }
    }

    /**
     * {@link #resolve()}, counted as one inbound request of {@code hook} by where its label came from, and its
     * rejected values as rejected (MBean {@code graylane:type=Traffic}): for a consumer hook that counts what it receives.
     */
    public TrafficContext resolve(Hook hook) {
        try {
            return inbound.resolve(values, hook);
        } finally {
            Arrays.fill(values, null);
        }
    }
}
