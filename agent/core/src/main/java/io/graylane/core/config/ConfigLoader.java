package io.graylane.core.config;

import io.graylane.core.LabelPolicy;
import io.graylane.core.guard.AllowList;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds {@link Config} from the agent argument, system properties and environment. Precedence per
 * key: system property, environment variable, properties file, default. Never throws: a bad value
 * becomes a problem that names the key, the value and what is expected, and its feature is turned off.
 */
public final class ConfigLoader {

    private final Map<String, String> sysprops;
    private final Map<String, String> env;
    private final Properties file = new Properties();
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> sysprops, Map<String, String> env) {
        this.sysprops = sysprops;
        this.env = env;
    }

    /**
     * The configuration of this JVM: agent arguments, system properties and environment. Its log level is applied and
     * each of its problems logged as a warning.
     */
    public static Config loadForThisJvm(String agentArgs) {
        Map<String, String> sysprops = new HashMap<>();
        Properties props = System.getProperties();
        for (String name : props.stringPropertyNames()) sysprops.put(name, props.getProperty(name));
        Config config = load(agentArgs, sysprops, System.getenv());
        Log.setLevel(config.logLevel);
        // every problem is shown: there are as many as bad keys at most, and the rate limit would hide those past 20
        for (String problem : config.problems) Log.warnBounded(problem);
        return config;
    }

    /** The {@code version} in a version.properties stream (closed here; null when there is none), or "unknown". */
    public static String version(InputStream in) {
        if (in == null) return "unknown";
        try (InputStream stream = in) {
            Properties p = new Properties();
            p.load(stream);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    public static Config load(String agentArgs, Map<String, String> sysprops, Map<String, String> env) {
        return new ConfigLoader(sysprops, env).build(agentArgs);
    }

    private Config build(String agentArgs) {
        String source = readFile(agentArgs);
        warnUnknownKeys();

        String labelHeader = string(Keys.LABEL_HEADER);
        if (!Headers.isToken(labelHeader)) {
            problem(Keys.LABEL_HEADER, labelHeader, "a header name (letters, digits, '-', '_' ...)", "labels are not propagated");
            labelHeader = null;
        } else {
            labelHeader = labelHeader.toLowerCase(Locale.ROOT);
        }

        int maxLength = integer(Keys.LABEL_MAX_LENGTH, 1, 4096, "using the default " + Keys.defaultOf(Keys.LABEL_MAX_LENGTH));
        if (maxLength < 0) maxLength = Integer.parseInt(Keys.defaultOf(Keys.LABEL_MAX_LENGTH));
        String pattern = string(Keys.LABEL_PATTERN);
        if (pattern == null) {
            problem(Keys.LABEL_PATTERN, null, "a Java regular expression", "using the default " + Keys.DEFAULT_PATTERN);
            pattern = Keys.DEFAULT_PATTERN;
        }
        try {
            if (!Keys.DEFAULT_PATTERN.equals(pattern)) Pattern.compile(pattern); // the default needs no regex engine
        } catch (PatternSyntaxException e) {
            problem(Keys.LABEL_PATTERN, pattern, "a Java regular expression (" + e.getDescription() + ")",
                    "using the default " + Keys.DEFAULT_PATTERN);
            pattern = Keys.DEFAULT_PATTERN;
        }
        LabelPolicy policy = new LabelPolicy(maxLength, pattern);

        List<LabelSource> sources = new ArrayList<>();
        for (String item : list(Keys.LABEL_SOURCES)) {
            LabelSource s = LabelSource.parse(item);
            if (s == null) {
                problem(Keys.LABEL_SOURCES, item, "header:NAME, baggage:KEY, trace-map or local", "this source is ignored");
            } else {
                sources.add(s);
            }
        }

        String local = localLabel(policy);
        String mirrorLabel = string(Keys.MIRROR_LABEL);
        if (mirrorLabel != null && !policy.accepts(mirrorLabel)) {
            problem(Keys.MIRROR_LABEL, mirrorLabel, "a label matching " + pattern + " of at most " + maxLength + " characters",
                    "copies keep the original label");
            mirrorLabel = null;
        }

        List<String> traceHeaders = headerNames(Keys.TRACE_HEADERS);
        List<String> idHeaders = headerNames(Keys.TRACE_ID_HEADERS);

        int mapEntries = integer(Keys.TRACE_MAP_MAX_ENTRIES, 1, 100_000_000, "the traceId -> label map is off");
        long ttl = duration(Keys.TRACE_MAP_TTL, "the traceId -> label map is off");
        if (mapEntries <= 0 || ttl <= 0) {
            mapEntries = 0;
            ttl = 0;
        }

        Set<Hook> hooks = EnumSet.noneOf(Hook.class);
        for (Hook hook : Hook.values()) {
            String key = Keys.instrumentationEnabled(hook);
            if (bool(key, "instrumentation '" + hook.configName() + "' is off")) hooks.add(hook);
        }

        Config.Mirror mirror = mirror(mirrorLabel);
        Config.Shadow shadow = shadow();

        Log.Level level = Log.parseLevel(string(Keys.LOG_LEVEL));
        if (level == null) {
            problem(Keys.LOG_LEVEL, string(Keys.LOG_LEVEL), "debug, info, warn, error or off", "using info");
            level = Log.Level.INFO;
        }
        String laneBase = string(Keys.LANE_BASE);
        // the default is not checked against the label pattern: a pattern without it simply has no label "base"
        if (raw(Keys.LANE_BASE) != null && (laneBase == null || !policy.accepts(laneBase))) {
            problem(Keys.LANE_BASE, laneBase, "a label matching " + pattern + " of at most " + maxLength + " characters",
                    "using the default " + Keys.defaultOf(Keys.LANE_BASE));
            laneBase = Keys.defaultOf(Keys.LANE_BASE);
        }
        boolean routeDubboTag = bool(Keys.ROUTE_DUBBO_TAG, "Dubbo tag routing is off");
        boolean mdc = bool(Keys.MDC_ENABLED, "log events get no graylane entries");
        String mdcLabelKey = mdcKey(Keys.MDC_LABEL_KEY);
        String mdcRequestIdKey = mdcKey(Keys.MDC_REQUEST_ID_KEY);
        if (mdcLabelKey.equals(mdcRequestIdKey)) {
            problems.add(Keys.MDC_LABEL_KEY + " and " + Keys.MDC_REQUEST_ID_KEY + " are both '" + printable(mdcLabelKey)
                    + "': expected two different keys; using the defaults");
            mdcLabelKey = Keys.defaultOf(Keys.MDC_LABEL_KEY);
            mdcRequestIdKey = Keys.defaultOf(Keys.MDC_REQUEST_ID_KEY);
        }
        if (!mdc) {
            mdcLabelKey = null;
            mdcRequestIdKey = null;
        }
        int metricsPort = 0;
        if (string(Keys.METRICS_PORT) != null) {
            metricsPort = Math.max(0, integer(Keys.METRICS_PORT, 1, 65535, "the metrics endpoint is off"));
        }
        String metricsHost = string(Keys.METRICS_HOST);
        if (metricsHost == null || metricsHost.length() > 253 || !isHostText(metricsHost)) {
            problem(Keys.METRICS_HOST, metricsHost, "a host name or IP address", "using the default "
                    + Keys.defaultOf(Keys.METRICS_HOST));
            metricsHost = Keys.defaultOf(Keys.METRICS_HOST);
        }
        String cacheDir = string(Keys.CACHE_DIR);
        if (cacheDir != null && !isPathText(cacheDir)) {
            problem(Keys.CACHE_DIR, cacheDir, "a directory path without control characters", "the class cache is off");
            cacheDir = null;
        }
        return new Config(labelHeader, sources, local, maxLength, pattern, traceHeaders, idHeaders, mapEntries, ttl,
                hooks, mirror, shadow, level, laneBase, routeDubboTag, mdcLabelKey, mdcRequestIdKey, metricsPort,
                metricsHost, cacheDir, source, problems);
    }

    /** An MDC key: printable, no spaces (it is written into every log line's context map); else the default. */
    private String mdcKey(String key) {
        String value = string(key);
        if (value != null && value.length() <= 128) {
            boolean printable = true;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                printable &= c > 0x20 && c < 0x7f;
            }
            if (printable) return value;
        }
        problem(key, value, "a key of at most 128 printable characters without spaces", "using the default "
                + Keys.defaultOf(key));
        return Keys.defaultOf(key);
    }

    private String localLabel(LabelPolicy policy) {
        String key = Keys.LABEL_LOCAL;
        String value = string(key);
        String origin = origin(key);
        if (value == null) {
            value = env.get(Keys.LOCAL_LABEL_ENV);
            origin = "environment variable " + Keys.LOCAL_LABEL_ENV;
            if (value != null) value = value.trim();
            if (value != null && value.isEmpty()) value = null;
        }
        if (value != null && !policy.accepts(value)) {
            problems.add("invalid value '" + printable(value) + "' for " + key + " (from " + origin + "): expected a label matching "
                    + "graylane.label.pattern and graylane.label.max-length; this service has no local label");
            return null;
        }
        return value;
    }

    private Config.Mirror mirror(String label) {
        boolean enabled = bool(Keys.MIRROR_ENABLED, "mirroring is off");
        String target = string(Keys.MIRROR_TARGET);
        if (target != null && !isHttpTarget(target)) {
            problem(Keys.MIRROR_TARGET, target, "http://host:port", "mirroring is off");
            enabled = false;
            target = null;
        } else if (enabled && target == null) {
            problems.add("graylane.mirror.enabled is true but " + Keys.MIRROR_TARGET + " is not set: expected http://host:port; mirroring is off");
            enabled = false;
        }
        double percentage = 0;
        String rawPercentage = string(Keys.MIRROR_PERCENTAGE);
        try {
            // digits with an optional decimal part: Double.parseDouble alone would also take 50d, 1e1, 0x1p4 or NaN
            if (!isDecimal(rawPercentage)) throw new NumberFormatException();
            percentage = Double.parseDouble(rawPercentage);
            if (!(percentage >= 0 && percentage <= 100)) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            problem(Keys.MIRROR_PERCENTAGE, rawPercentage, "a number from 0 to 100 (decimals allowed)", "mirroring is off");
            enabled = false;
        }
        String sampleKey = string(Keys.MIRROR_SAMPLE_KEY);
        if (!Headers.isToken(sampleKey)) {
            problem(Keys.MIRROR_SAMPLE_KEY, sampleKey, "a header name", "mirroring is off");
            enabled = false;
        }
        String suffix = string(Keys.MIRROR_HOST_SUFFIX);
        if (suffix == null) suffix = "";
        if (!isHostNameText(suffix)) {
            // it is written into each copy's Host header as it is
            problem(Keys.MIRROR_HOST_SUFFIX, suffix, "letters, digits, '-' and '.' (a host name's characters)", "mirroring is off");
            enabled = false;
            suffix = Keys.defaultOf(Keys.MIRROR_HOST_SUFFIX);
        }
        long maxBody = integer(Keys.MIRROR_MAX_BODY_BYTES, 0, Integer.MAX_VALUE - 8, "mirroring is off");
        int capacity = integer(Keys.MIRROR_QUEUE_CAPACITY, 1, 1_000_000, "mirroring is off");
        long timeout = duration(Keys.MIRROR_TIMEOUT, "mirroring is off");
        if (maxBody < 0 || capacity < 0 || timeout <= 0) enabled = false;
        return new Config.Mirror(enabled, target, percentage, sampleKey == null ? null : sampleKey.toLowerCase(Locale.ROOT),
                suffix, label, maxBody, capacity, timeout, headerNames(Keys.MIRROR_EXCLUDE_HEADERS), compare(enabled));
    }

    private Config.Compare compare(boolean mirrorEnabled) {
        boolean enabled = bool(Keys.MIRROR_COMPARE, "comparison is off");
        String secondary = string(Keys.MIRROR_SECONDARY);
        if (secondary != null && !isHttpTarget(secondary)) {
            problem(Keys.MIRROR_SECONDARY, secondary, "http://host:port", "no secondary: noise is not measured");
            secondary = null;
        }
        List<String> ignore = new ArrayList<>();
        for (String item : list(Keys.MIRROR_COMPARE_IGNORE)) {
            if (isIgnoreItem(item)) {
                ignore.add(item.regionMatches(true, 0, "header:", 0, 7) ? "header:" + item.substring(7).trim().toLowerCase(Locale.ROOT) : item);
            } else {
                problem(Keys.MIRROR_COMPARE_IGNORE, item, "a JSON path such as $.meta.time or $.items[*].id, or header:NAME",
                        "this item is ignored");
            }
        }
        List<String> headers = headerNames(Keys.MIRROR_COMPARE_HEADERS);
        String report = string(Keys.MIRROR_COMPARE_REPORT);
        if (report != null && !isPathText(report)) {
            problem(Keys.MIRROR_COMPARE_REPORT, report, "a file path without control characters", "no report file is written");
            report = null;
        }
        int maxBytes = integer(Keys.MIRROR_COMPARE_REPORT_MAX_BYTES, 4096, Integer.MAX_VALUE, "no report file is written");
        if (maxBytes < 0) report = null;
        return new Config.Compare(enabled && mirrorEnabled, secondary, ignore, headers, report, maxBytes);
    }

    /** header:TOKEN, or $ followed by .name, .*, [n] or [*] segments (name: printable ASCII but . [ ] and space). */
    static boolean isIgnoreItem(String item) {
        if (item.regionMatches(true, 0, "header:", 0, 7)) return Headers.isToken(item.substring(7).trim());
        if (!item.startsWith("$")) return false;
        int i = 1;
        int n = item.length();
        while (i < n) {
            char c = item.charAt(i);
            if (c == '.') {
                int start = ++i;
                while (i < n && isNameChar(item.charAt(i))) i++;
                if (i == start) return false;
            } else if (c == '[') {
                int close = item.indexOf(']', i);
                if (close < 0) return false;
                String index = item.substring(i + 1, close);
                if (!index.equals("*") && (index.isEmpty() || index.length() > 9 || !isDigits(index))) return false;
                i = close + 1;
            } else {
                return false;
            }
        }
        return true;
    }

    private static boolean isNameChar(char c) {
        return c > 0x20 && c < 0x7f && c != '.' && c != '[' && c != ']';
    }

    private static boolean isPathText(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) return false;
        }
        return true;
    }

    private Config.Shadow shadow() {
        String rawMode = string(Keys.SHADOW_GUARD);
        ShadowGuard.Mode mode = ShadowGuard.Mode.parse(rawMode);
        if (mode == null) {
            // a typo of a guard mode most likely meant to guard: the safe reading is writes, not off
            problem(Keys.SHADOW_GUARD, rawMode, "off, writes or all", "using writes (shadow copies' writes are blocked)");
            mode = ShadowGuard.Mode.WRITES;
        }
        List<String> allow = new ArrayList<>();
        for (String item : list(Keys.SHADOW_ALLOW)) {
            if (AllowList.isValid(item)) {
                allow.add(item);
            } else {
                problem(Keys.SHADOW_ALLOW, item, "http://HOST[:PORT][/PATH-PREFIX], grpc:SERVICE/METHOD, "
                        + "dubbo:INTERFACE#METHOD, jdbc:URL-PREFIX, kafka:TOPIC or rocketmq:TOPIC", "this entry is ignored");
            }
        }
        List<String> readMethods = new ArrayList<>();
        for (String item : list(Keys.SHADOW_READ_METHODS)) {
            if (isMethodGlob(item)) {
                readMethods.add(item);
            } else {
                problem(Keys.SHADOW_READ_METHODS, item, "a method name, '*' matching any characters (get*)",
                        "this pattern is ignored");
            }
        }
        return new Config.Shadow(mode, allow, readMethods);
    }

    /** Letters, digits, '_', '$' and '*'. */
    private static boolean isMethodGlob(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '*')) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static boolean isHttpTarget(String target) {
        try {
            URI uri = new URI(target);
            return "http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && uri.getPort() <= 65535;
        } catch (Exception e) {
            return false;
        }
    }

    /** Digits, or digits (perhaps none) then '.' then digits: 50, 12.5, .5. */
    private static boolean isDecimal(String s) {
        if (s == null) return false;
        int dot = s.indexOf('.');
        if (dot < 0) return isDigits(s);
        String whole = s.substring(0, dot);
        return (whole.isEmpty() || isDigits(whole)) && isDigits(s.substring(dot + 1));
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        }
        return true;
    }

    /** A host name, IPv4 or IPv6 address (no brackets): letters, digits, '.', '-' and ':'. */
    private static boolean isHostText(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != ':' && !isHostNameText(s.substring(i, i + 1))) return false;
        }
        return !s.isEmpty();
    }

    private static boolean isHostNameText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    // ---- raw values and precedence ----

    private String raw(String key) {
        String v = sysprops.get(key);
        if (v == null) v = env.get(Keys.envName(key));
        if (v == null) v = file.getProperty(key);
        return v;
    }

    private String origin(String key) {
        if (sysprops.get(key) != null) return "system property";
        if (env.get(Keys.envName(key)) != null) return "environment variable " + Keys.envName(key);
        if (file.getProperty(key) != null) return "properties file";
        return "default";
    }

    /** The trimmed value, or the default; null when neither is set (or the value is blank). */
    private String string(String key) {
        String v = raw(key);
        if (v == null) return Keys.defaultOf(key);
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    private List<String> list(String key) {
        List<String> items = new ArrayList<>();
        String v = string(key);
        if (v == null) return items;
        for (String part : v.split(",")) {
            String item = part.trim();
            if (!item.isEmpty()) items.add(item);
        }
        return items;
    }

    private List<String> headerNames(String key) {
        Set<String> names = new LinkedHashSet<>();
        for (String item : list(key)) {
            if (Headers.isToken(item)) {
                names.add(item.toLowerCase(Locale.ROOT));
            } else {
                problem(key, item, "a header name", "this name is ignored");
            }
        }
        return new ArrayList<>(names);
    }

    private boolean bool(String key, String consequence) {
        String v = string(key);
        if ("true".equalsIgnoreCase(v)) return true;
        if ("false".equalsIgnoreCase(v)) return false;
        problem(key, v, "true or false", consequence);
        return false;
    }

    /** An integer in [min, max]; -1 (after a problem naming the consequence) when it is not one. */
    private int integer(String key, int min, int max, String consequence) {
        String v = string(key);
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) return (int) n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem(key, v, "a whole number from " + min + " to " + max, consequence);
        return -1;
    }

    /** Milliseconds of a positive duration such as 500ms, 60s or 5m; -1 (after a problem) otherwise. */
    private long duration(String key, String consequence) {
        String v = string(key);
        long millis = parseDuration(v);
        if (millis > 0) return millis;
        problem(key, v, "a positive duration such as 500ms, 60s or 5m", consequence);
        return -1;
    }

    static long parseDuration(String v) {
        if (v == null) return -1;
        String t = v.trim().toLowerCase(Locale.ROOT);
        long unit;
        String digits;
        if (t.endsWith("ms")) {
            unit = 1;
            digits = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = 1000;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            digits = t.substring(0, t.length() - 1);
        } else {
            return -1;
        }
        if (digits.isEmpty() || digits.length() > 9) return -1;
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') return -1;
        }
        return Long.parseLong(digits) * unit;
    }

    private void problem(String key, String value, String expected, String consequence) {
        problems.add("invalid value '" + printable(value) + "' for " + key + " (from " + origin(key) + "): expected "
                + expected + "; " + consequence);
    }

    private static String printable(String value) {
        if (value == null) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length() && i < 80; i++) {
            char c = value.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (value.length() > 80) b.append("...");
        return b.toString();
    }

    // ---- properties file and unknown keys ----

    private String readFile(String agentArgs) {
        String path = null;
        String pathOrigin = null;
        if (agentArgs != null && !agentArgs.trim().isEmpty()) {
            for (String arg : agentArgs.split(",")) {
                String a = arg.trim();
                if (a.startsWith("config=")) {
                    path = a.substring("config=".length()).trim();
                    pathOrigin = "agent argument";
                } else if (!a.isEmpty()) {
                    problems.add("unknown agent argument '" + printable(a) + "': expected config=PATH; it is ignored");
                }
            }
        }
        if (path == null) {
            path = sysprops.get(Keys.CONFIG);
            pathOrigin = "system property";
        }
        if (path == null) {
            path = env.get(Keys.envName(Keys.CONFIG));
            pathOrigin = "environment variable " + Keys.envName(Keys.CONFIG);
        }
        if (path == null || path.trim().isEmpty()) return "defaults";
        try (InputStream in = Files.newInputStream(Paths.get(path.trim()))) {
            file.load(in);
            return path.trim();
        } catch (IOException | RuntimeException e) {
            problems.add("cannot read the properties file '" + path + "' (from " + pathOrigin + "): " + e
                    + "; using system properties, environment and defaults");
            return "defaults";
        }
    }

    private void warnUnknownKeys() {
        for (String key : sysprops.keySet()) {
            if (key.startsWith(Keys.PREFIX) && !Keys.isKnown(key)) unknown(key, "system property", Keys.closest(key));
        }
        for (Object key : file.keySet()) {
            String k = String.valueOf(key);
            if (!Keys.isKnown(k)) unknown(k, "properties file", Keys.closest(k));
        }
        for (String name : env.keySet()) {
            if (!name.startsWith("GRAYLANE_") || name.equals(Keys.envName(Keys.CONFIG))) continue;
            boolean known = false;
            for (String key : Keys.all()) known |= Keys.envName(key).equals(name);
            if (!known) {
                String guess = Keys.closest(name.toLowerCase(Locale.ROOT).replace('_', '.'));
                unknown(name, "environment", Keys.envName(guess));
            }
        }
    }

    private void unknown(String key, String origin, String closest) {
        problems.add("unknown key " + key + " (from " + origin + ") is ignored; did you mean " + closest + "?");
    }
}
