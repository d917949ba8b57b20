package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.mirror.Mirror;

/**
 * Resolves an inbound request's {@link TrafficContext} from headers read through any reader: the
 * same label sources, label rules, trace headers and traceId -> label map as graylane's own hooks,
 * for code that reads requests its own way and keeps the result somewhere other than
 * {@link Traffic}'s thread state (the OpenTelemetry extension reads a carrier through
 * OpenTelemetry's getter and keeps the context in OpenTelemetry's {@code Context}).
 * Immutable and thread-safe; one per configuration, each with its own traceId -> label map.
 */
public final class TrafficResolver {

    /** Reads one header of a request; {@code name} is lower case. Null when the request lacks it. */
    public interface HeaderReader<C> {
        String get(C carrier, String name);
    }

    final Inbound inbound;
    final TrafficContext background;

    private TrafficResolver(Inbound inbound, TrafficContext background) {
        this.inbound = inbound;
        this.background = background;
    }

    public static TrafficResolver create(Config config) {
        return create(config, null);
    }

    /** With the mirror of graylane's own servlet hooks (null: none). */
    static TrafficResolver create(Config config, Mirror mirror) {
        TraceMap traceMap = config.traceMapEnabled() ? new TraceMap(config.traceMapMaxEntries, config.traceMapTtlMillis) : null;
        String[] idHeaders = config.traceIdHeaders.toArray(new String[0]);
        TrafficContext background = TrafficContext.background(config.labelHeader, config.localLabel, idHeaders, traceMap);
        return new TrafficResolver(new Inbound(config, traceMap, background, mirror), background);
    }

    /**
     * The context of a request whose headers {@code reader} reads from {@code carrier}: its label by
     * the configured sources (rejected values are skipped and counted), and the trace headers it
     * carries; a labelled request is recorded in the traceId -> label map. Returns
     * {@link #background()} itself when the request carries nothing.
     */
    public <C> TrafficContext resolve(C carrier, HeaderReader<C> reader) {
        String[] names = inbound.headerNames();
        String[] values = new String[names.length];
        for (int i = 0; i < names.length; i++) values[i] = reader.get(carrier, names[i]);
        return inbound.resolve(values);
    }

    /** The context of work that belongs to no request: the local label, and trace-map look-ups when enabled. */
    public TrafficContext background() {
        return background;
    }
}
