package io.graylane.core.config;

import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * graylane's configuration, immutable. Built by {@link ConfigLoader#load}; a value that failed
 * validation is already replaced here by its fallback (usually: the feature is off) and the
 * reason is in {@link #problems()}.
 */
public final class Config {

    /** Label propagation is off when the label header is invalid. */
    public final String labelHeader;
    public final List<LabelSource> labelSources;
    public final String localLabel;
    public final int labelMaxLength;
    public final String labelPattern;
    public final List<String> traceHeaders;
    public final List<String> traceIdHeaders;
    /** 0 when the traceId -> label map is off. */
    public final int traceMapMaxEntries;
    public final long traceMapTtlMillis;
    public final Set<Hook> enabledHooks;
    public final Mirror mirror;
    public final Shadow shadow;
    public final Log.Level logLevel;
    /** The baseline lane: its instances serve a label whose lane a service has no instance of. */
    public final String laneBase;
    /** Dubbo tag routing: providers outside the base lane register their lane as Dubbo tag, consumers send it. */
    public final boolean routeDubboTag;
    /** Log events carry the label and the request id under these MDC keys; both null when that is off. */
    public final String mdcLabelKey;
    public final String mdcRequestIdKey;
    /** GET /metrics on this port and address; 0 when the endpoint is off. */
    public final int metricsPort;
    public final String metricsHost;
    /** Where changed classes are kept between starts ({@code graylane.cache.dir}), or null. */
    public final String cacheDir;
    /** Where the values came from, for the startup line. */
    public final String source;
    public final List<String> problems;

    Config(String labelHeader, List<LabelSource> labelSources, String localLabel, int labelMaxLength,
           String labelPattern, List<String> traceHeaders, List<String> traceIdHeaders, int traceMapMaxEntries,
           long traceMapTtlMillis, Set<Hook> enabledHooks, Mirror mirror, Shadow shadow, Log.Level logLevel,
           String laneBase, boolean routeDubboTag, String mdcLabelKey, String mdcRequestIdKey, int metricsPort,
           String metricsHost, String cacheDir, String source, List<String> problems) {
        this.labelHeader = labelHeader;
        this.labelSources = Collections.unmodifiableList(labelSources);
        this.localLabel = localLabel;
        this.labelMaxLength = labelMaxLength;
        this.labelPattern = labelPattern;
        this.traceHeaders = Collections.unmodifiableList(traceHeaders);
        this.traceIdHeaders = Collections.unmodifiableList(traceIdHeaders);
        this.traceMapMaxEntries = traceMapMaxEntries;
        this.traceMapTtlMillis = traceMapTtlMillis;
        this.enabledHooks = Collections.unmodifiableSet(enabledHooks.isEmpty() ? EnumSet.noneOf(Hook.class) : EnumSet.copyOf(enabledHooks));
        this.mirror = mirror;
        this.shadow = shadow;
        this.logLevel = logLevel;
        this.laneBase = laneBase;
        this.routeDubboTag = routeDubboTag;
        this.mdcLabelKey = mdcLabelKey;
        this.mdcRequestIdKey = mdcRequestIdKey;
        this.metricsPort = metricsPort;
        this.metricsHost = metricsHost;
        this.cacheDir = cacheDir;
        this.source = source;
        this.problems = Collections.unmodifiableList(problems);
    }

    public boolean traceMapEnabled() {
        return traceMapMaxEntries > 0;
    }

    public boolean isEnabled(Hook hook) {
        return enabledHooks.contains(hook);
    }

    /**
     * The Dubbo tag for a label: the label itself, or null for no tag (routing off, no label, or the base lane, whose
     * providers register without a tag).
     */
    public String dubboTag(String label) {
        if (!routeDubboTag || label == null || label.equals(laneBase)) return null;
        return label;
    }

    /** The shadow write guard's settings (graylane.shadow.*). */
    public static final class Shadow {
        public final ShadowGuard.Mode mode;
        /** Well-formed entries only. */
        public final List<String> allow;
        public final List<String> readMethods;

        Shadow(ShadowGuard.Mode mode, List<String> allow, List<String> readMethods) {
            this.mode = mode;
            this.allow = Collections.unmodifiableList(allow);
            this.readMethods = Collections.unmodifiableList(readMethods);
        }
    }

    /** The shadow-copy settings. */
    public static final class Mirror {
        public final boolean enabled;
        public final String target;
        public final double percentage;
        public final String sampleKey;
        public final String hostSuffix;
        public final String label;
        public final long maxBodyBytes;
        public final int queueCapacity;
        public final long timeoutMillis;
        public final List<String> excludeHeaders;
        /** Comparison of the copies' answers with the primary's (graylane.mirror.compare.*). */
        public final Compare compare;

        Mirror(boolean enabled, String target, double percentage, String sampleKey, String hostSuffix, String label,
               long maxBodyBytes, int queueCapacity, long timeoutMillis, List<String> excludeHeaders, Compare compare) {
            this.enabled = enabled;
            this.target = target;
            this.percentage = percentage;
            this.sampleKey = sampleKey;
            this.hostSuffix = hostSuffix;
            this.label = label;
            this.maxBodyBytes = maxBodyBytes;
            this.queueCapacity = queueCapacity;
            this.timeoutMillis = timeoutMillis;
            this.excludeHeaders = Collections.unmodifiableList(excludeHeaders);
            this.compare = compare;
        }
    }

    /** Mirror comparison (Diffy in the process): on only when mirroring is on too. */
    public static final class Compare {
        public final boolean enabled;
        /** http://host:port of a second instance of the primary's version, or null. */
        public final String secondary;
        /** JSON paths ($.a.b, $.items[*].id) and header:NAME (lower case) never compared. */
        public final List<String> ignore;
        /** Response headers compared besides status and body, lower case. */
        public final List<String> headers;
        /** The JSON-lines report file, or null. */
        public final String report;
        public final long reportMaxBytes;

        Compare(boolean enabled, String secondary, List<String> ignore, List<String> headers, String report,
                long reportMaxBytes) {
            this.enabled = enabled;
            this.secondary = secondary;
            this.ignore = Collections.unmodifiableList(ignore);
            this.headers = Collections.unmodifiableList(headers);
            this.report = report;
            this.reportMaxBytes = reportMaxBytes;
        }
    }
}
