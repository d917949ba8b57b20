package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.hook.Hook;

import java.util.HashMap;
import java.util.Map;

/**
 * What a log event shows of graylane ({@code graylane.mdc.*}): the label and the request id of the context current
 * on the logging thread, or, outside any request, the local label. The entries go into the event's own copy of the
 * context map, never into the application's MDC, and never replace a key the application set.
 */
public final class Mdc {

    /** The trace header whose value is shown as the request id. */
    public static final String REQUEST_ID_HEADER = "x-request-id";

    private Mdc() {}

    /** The context a log event made now on this thread shows, or null when there is nothing to show. */
    public static TrafficContext context(Hook hook) {
        Config config = Traffic.config();
        if (config == null || config.mdcLabelKey == null) return null;
        return Traffic.outbound(hook);
    }

    /** The MDC key of the label, or null when graylane adds nothing to log events. */
    public static String labelKey() {
        Config config = Traffic.config();
        return config == null ? null : config.mdcLabelKey;
    }

    /** The MDC key of the request id, or null when graylane adds nothing to log events. */
    public static String requestIdKey() {
        Config config = Traffic.config();
        return config == null ? null : config.mdcRequestIdKey;
    }

    /** The request id a context carries, or null (always null outside any request). */
    public static String requestId(TrafficContext context) {
        return context.get(REQUEST_ID_HEADER);
    }

    /**
     * {@code map} (a log event's context map as captured from the application's MDC; may be null, is never changed)
     * with graylane's entries for this thread added where the application has no value under their key: {@code map}
     * itself when there is nothing to add, else a new map.
     */
    public static Map<String, String> extend(Map<String, String> map, Hook hook) {
        if (!hook.isOn()) return map;
        TrafficContext context = context(hook);
        if (context == null) return map;
        String labelKey = labelKey();
        String requestIdKey = requestIdKey();
        String label = context.label();
        String requestId = requestId(context);
        boolean addLabel = label != null && labelKey != null && (map == null || !map.containsKey(labelKey));
        boolean addRequestId = requestId != null && requestIdKey != null && (map == null || !map.containsKey(requestIdKey));
        if (!addLabel && !addRequestId) return map;
        Map<String, String> extended = map == null ? new HashMap<String, String>(4) : new HashMap<String, String>(map);
        if (addLabel) extended.put(labelKey, label);
        if (addRequestId) extended.put(requestIdKey, requestId);
        return extended;
    }
}
