package io.graylane.core.config;

import io.graylane.core.hook.Hook;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Every configuration key graylane reads, with its default. The README table is checked against this list. */
public final class Keys {

    public static final String PREFIX = "graylane.";
    /** Names the properties file; read from system properties and the environment only. */
    public static final String CONFIG = "graylane.config";
    public static final String LOCAL_LABEL_ENV = "ASM_TRAFFIC_TAG";

    public static final String LABEL_HEADER = "graylane.label.header";
    public static final String LABEL_SOURCES = "graylane.label.sources";
    public static final String LABEL_LOCAL = "graylane.label.local";
    public static final String LABEL_MAX_LENGTH = "graylane.label.max-length";
    public static final String LABEL_PATTERN = "graylane.label.pattern";
    public static final String TRACE_HEADERS = "graylane.trace.headers";
    public static final String TRACE_ID_HEADERS = "graylane.trace.id-headers";
    public static final String TRACE_MAP_MAX_ENTRIES = "graylane.trace-map.max-entries";
    public static final String TRACE_MAP_TTL = "graylane.trace-map.ttl";
    public static final String MIRROR_ENABLED = "graylane.mirror.enabled";
    public static final String MIRROR_TARGET = "graylane.mirror.target";
    public static final String MIRROR_PERCENTAGE = "graylane.mirror.percentage";
    public static final String MIRROR_SAMPLE_KEY = "graylane.mirror.sample-key";
    public static final String MIRROR_HOST_SUFFIX = "graylane.mirror.host-suffix";
    public static final String MIRROR_LABEL = "graylane.mirror.label";
    public static final String MIRROR_MAX_BODY_BYTES = "graylane.mirror.max-body-bytes";
    public static final String MIRROR_QUEUE_CAPACITY = "graylane.mirror.queue-capacity";
    public static final String MIRROR_TIMEOUT = "graylane.mirror.timeout";
    public static final String MIRROR_EXCLUDE_HEADERS = "graylane.mirror.exclude-headers";
    public static final String MIRROR_COMPARE = "graylane.mirror.compare";
    public static final String MIRROR_SECONDARY = "graylane.mirror.secondary";
    public static final String MIRROR_COMPARE_IGNORE = "graylane.mirror.compare.ignore";
    public static final String MIRROR_COMPARE_HEADERS = "graylane.mirror.compare.headers";
    public static final String MIRROR_COMPARE_REPORT = "graylane.mirror.compare.report";
    public static final String MIRROR_COMPARE_REPORT_MAX_BYTES = "graylane.mirror.compare.report-max-bytes";
    public static final String SHADOW_GUARD = "graylane.shadow.guard";
    public static final String SHADOW_ALLOW = "graylane.shadow.allow";
    public static final String SHADOW_READ_METHODS = "graylane.shadow.read-methods";
    public static final String LOG_LEVEL = "graylane.log.level";
    public static final String LANE_BASE = "graylane.lane.base";
    public static final String ROUTE_DUBBO_TAG = "graylane.route.dubbo-tag";
    public static final String MDC_ENABLED = "graylane.mdc.enabled";
    public static final String MDC_LABEL_KEY = "graylane.mdc.label-key";
    public static final String MDC_REQUEST_ID_KEY = "graylane.mdc.request-id-key";
    public static final String METRICS_PORT = "graylane.metrics.port";
    public static final String METRICS_HOST = "graylane.metrics.host";
    public static final String CACHE_DIR = "graylane.cache.dir";

    public static final String DEFAULT_LABEL_HEADER = "x-asm-traffic-tag";
    public static final String DEFAULT_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]*";

    private static final List<String> ALL;
    private static final List<String> DEFAULTS;

    static {
        List<String> keys = new ArrayList<>();
        List<String> defaults = new ArrayList<>();
        add(keys, defaults, LABEL_HEADER, DEFAULT_LABEL_HEADER);
        add(keys, defaults, LABEL_SOURCES, "header:x-asm-traffic-tag,baggage:x-asm-traffic-tag,trace-map,local");
        add(keys, defaults, LABEL_LOCAL, null);
        add(keys, defaults, LABEL_MAX_LENGTH, "128");
        add(keys, defaults, LABEL_PATTERN, DEFAULT_PATTERN);
        add(keys, defaults, TRACE_HEADERS, "x-request-id,traceparent,tracestate,baggage,b3,x-b3-traceid,x-b3-spanid,"
                + "x-b3-parentspanid,x-b3-sampled,x-b3-flags,x-ot-span-context,x-cloud-trace-context,grpc-trace-bin");
        add(keys, defaults, TRACE_ID_HEADERS, "x-request-id,traceparent,x-b3-traceid");
        add(keys, defaults, TRACE_MAP_MAX_ENTRIES, "100000");
        add(keys, defaults, TRACE_MAP_TTL, "60s");
        for (Hook hook : Hook.values()) add(keys, defaults, instrumentationEnabled(hook), "true");
        add(keys, defaults, MIRROR_ENABLED, "false");
        add(keys, defaults, MIRROR_TARGET, null);
        add(keys, defaults, MIRROR_PERCENTAGE, "100");
        add(keys, defaults, MIRROR_SAMPLE_KEY, "x-request-id");
        add(keys, defaults, MIRROR_HOST_SUFFIX, "-shadow");
        add(keys, defaults, MIRROR_LABEL, null);
        add(keys, defaults, MIRROR_MAX_BODY_BYTES, "1048576");
        add(keys, defaults, MIRROR_QUEUE_CAPACITY, "1024");
        add(keys, defaults, MIRROR_TIMEOUT, "2s");
        add(keys, defaults, MIRROR_EXCLUDE_HEADERS, null);
        add(keys, defaults, MIRROR_COMPARE, "false");
        add(keys, defaults, MIRROR_SECONDARY, null);
        add(keys, defaults, MIRROR_COMPARE_IGNORE, null);
        add(keys, defaults, MIRROR_COMPARE_HEADERS, "content-type");
        add(keys, defaults, MIRROR_COMPARE_REPORT, null);
        add(keys, defaults, MIRROR_COMPARE_REPORT_MAX_BYTES, "67108864");
        add(keys, defaults, SHADOW_GUARD, "off");
        add(keys, defaults, SHADOW_ALLOW, null);
        add(keys, defaults, SHADOW_READ_METHODS, "get*,list*,find*,query*,search*,count*,exists*,check*,read*,fetch*,describe*,load*");
        add(keys, defaults, LOG_LEVEL, "info");
        add(keys, defaults, LANE_BASE, "base");
        add(keys, defaults, ROUTE_DUBBO_TAG, "false");
        add(keys, defaults, MDC_ENABLED, "true");
        add(keys, defaults, MDC_LABEL_KEY, "graylane.label");
        add(keys, defaults, MDC_REQUEST_ID_KEY, "graylane.request-id");
        add(keys, defaults, METRICS_PORT, null);
        add(keys, defaults, METRICS_HOST, "127.0.0.1");
        add(keys, defaults, CACHE_DIR, null);
        ALL = Collections.unmodifiableList(keys);
        DEFAULTS = Collections.unmodifiableList(defaults);
    }

    private Keys() {}

    private static void add(List<String> keys, List<String> defaults, String key, String defaultValue) {
        keys.add(key);
        defaults.add(defaultValue);
    }

    public static String instrumentationEnabled(Hook hook) {
        return "graylane.instrumentation." + hook.configName() + ".enabled";
    }

    /** Every key, in documentation order (one per instrumentation). */
    public static List<String> all() {
        return ALL;
    }

    /** The default of a key as text, or null when it has none. */
    public static String defaultOf(String key) {
        int i = ALL.indexOf(key);
        return i < 0 ? null : DEFAULTS.get(i);
    }

    public static boolean isKnown(String key) {
        return CONFIG.equals(key) || ALL.contains(key);
    }

    /** The environment variable for a key: upper case, dots and dashes as underscores. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The known key closest to an unknown one, by edit distance, for the warning. */
    public static String closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String key : ALL) {
            int d = distance(unknown.toLowerCase(Locale.ROOT), key);
            if (d < bestDistance) {
                bestDistance = d;
                best = key;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
