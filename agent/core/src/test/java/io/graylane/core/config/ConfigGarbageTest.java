package io.graylane.core.config;

import io.graylane.core.hook.Hook;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every configuration key given garbage, one key at a time and all together: {@link ConfigLoader#load} never throws,
 * a value that is not what the SPEC expects for that key is reported exactly once (the key, the value, what is
 * expected), a valid one is not, and the other keys keep their defaults. Whether a value is valid is decided here,
 * from the SPEC's configuration table, not by asking the loader. Values are trimmed first (as every key is read).
 */
class ConfigGarbageTest {

    /** Printed in a failure, so that the random values can be made again. */
    private static final long SEED = 14_05L;

    /** Garbage of every kind the brief names, plus a few that are valid somewhere (so the oracle has both answers). */
    static List<String> garbage() {
        List<String> values = new ArrayList<>(Arrays.asList(
                "", "   ", "\t", // empty, whitespace
                "99999999999999999999", "2147483648", "1000000000s", // huge numbers
                "-1", "-5s", "0", "0s", // negative, zero
                "abc", "1.5", "NaN", "Infinity", "1e1", "50d", "0x10", "10x", // non-numeric or not whole
                "5h", "s", "ms", "1 s", "1.5s", // bad durations
                "http://", "ftp://host:1", "http//host:1", "http://host:port", "localhost:8080", "://",
                "http://127.0.0.1:70000", "http://exa mple:80", // bad URLs
                "unknown-name", "yes", "on", "TRUE", "verbose", // unknown names
                "\u0000", "a\r\nb", "lane\u0007", "x\u007f", "\u00e9t\u00e9", "\ud83d\ude00", // control, non-ASCII
                "[", "(a", "*", "header:", "header:bad name", "baggage:", "foo:bar", "a b", "x,y z", ",,,",
                "header:x-lane,banana", "lane-1", "x-lane", "http://127.0.0.1:9"));
        Random random = new Random(SEED);
        for (int i = 0; i < 20; i++) {
            StringBuilder b = new StringBuilder();
            int length = 1 + random.nextInt(12);
            for (int j = 0; j < length; j++) b.append((char) random.nextInt(0x80));
            values.add(b.toString());
        }
        StringBuilder huge = new StringBuilder();
        while (huge.length() < 5_000) huge.append("9"); // longer makes Pattern.compile (label.pattern) take seconds
        values.add(huge.toString());
        return values;
    }

    @Test
    void everyKeyOneAtATime() {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (String key : Keys.all()) {
            for (String value : garbage()) {
                cases++;
                Config config;
                try {
                    config = ConfigLoader.load(null, Collections.singletonMap(key, value), Collections.<String, String>emptyMap());
                } catch (RuntimeException e) {
                    failures.add(key + "=" + show(value) + " threw " + e);
                    continue;
                }
                String problem = verdict(key, value, config);
                if (problem != null) failures.add(key + "=" + show(value) + ": " + problem);
                String others = othersIntact(key, config);
                if (others != null) failures.add(key + "=" + show(value) + ": " + others);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + cases + " cases (seed " + SEED + "), first ones:\n"
                    + String.join("\n", failures.subList(0, Math.min(30, failures.size()))));
        }
    }

    @Test
    void everyKeyAtOnceEachReportedOnce() {
        Random random = new Random(SEED);
        List<String> values = garbage();
        Map<String, String> all = new HashMap<>();
        for (String key : Keys.all()) {
            String value;
            do {
                value = values.get(random.nextInt(values.size()));
            } while (isValid(key, value));
            all.put(key, value);
        }
        all.put("graylane.label.headr", "x");
        Config config = ConfigLoader.load(null, all, Collections.<String, String>emptyMap());
        for (String key : Keys.all()) {
            assertEquals(1, reports(config, key), () -> key + "=" + show(all.get(key)) + " in " + config.problems);
        }
        assertTrue(config.problems.stream().anyMatch(p -> p.contains("unknown key graylane.label.headr")
                && p.contains("did you mean graylane.label.header?")), config.problems::toString);
    }

    @Test
    void garbageInTheEnvironmentAndUnknownNamesAreReportedToo() {
        Map<String, String> env = new HashMap<>();
        env.put("GRAYLANE_TRACE_MAP_TTL", "forever");
        env.put("GRAYLANE_LABEL_HEADR", "x");
        Map<String, String> sys = new HashMap<>();
        sys.put("graylane.mirror.persentage", "\u0000");
        Config config = ConfigLoader.load("config=\u0000/nowhere,bogus", sys, env);
        List<String> p = config.problems;
        assertTrue(p.stream().anyMatch(s -> s.contains("'forever' for graylane.trace-map.ttl (from environment variable"
                + " GRAYLANE_TRACE_MAP_TTL): expected a positive duration")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.contains("unknown key GRAYLANE_LABEL_HEADR")
                && s.contains("GRAYLANE_LABEL_HEADER")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.contains("unknown key graylane.mirror.persentage")
                && s.contains("graylane.mirror.percentage")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.contains("unknown agent argument 'bogus'")), p::toString);
        assertTrue(p.stream().anyMatch(s -> s.contains("cannot read the properties file")), p::toString);
        assertEquals(Keys.DEFAULT_LABEL_HEADER, config.labelHeader);
    }

    // ---- the oracle ----

    /** Null when the loader reported exactly what the SPEC rules expect for this key and value. */
    private static String verdict(String key, String value, Config config) {
        int reports = reports(config, key);
        boolean valid = isValid(key, value);
        if (valid && reports != 0) return "a valid value, yet reported: " + config.problems;
        if (!valid && reports != expectedReports(key, value)) {
            return "expected " + expectedReports(key, value) + " report(s) naming the key, got " + config.problems;
        }
        for (String p : config.problems) {
            if (p.startsWith("invalid value") && !p.contains(" for " + key + " ")) return "another key reported: " + p;
            if (p.contains(" for " + key + " ") && !(p.contains("expected ") && p.contains("(from system property)"))) {
                return "the report lacks what is expected or where the value came from: " + p;
            }
        }
        return null;
    }

    /** Problems of the form "invalid value '...' for KEY (from ...)". */
    private static int reports(Config config, String key) {
        int n = 0;
        for (String p : config.problems) if (p.startsWith("invalid value") && p.contains("' for " + key + " (from ")) n++;
        return n;
    }

    /** Lists report each bad item; every other key one value. */
    private static int expectedReports(String key, String value) {
        Kind kind = kind(key);
        if (kind != Kind.HEADER_LIST && kind != Kind.SOURCES && kind != Kind.IGNORE_LIST && kind != Kind.ALLOW_LIST
                && kind != Kind.METHOD_GLOBS) return 1;
        int bad = 0;
        for (String item : value.trim().split(",")) {
            String t = item.trim();
            if (!t.isEmpty() && !(kind == Kind.SOURCES ? isSource(t) : kind == Kind.IGNORE_LIST ? isIgnoreItem(t)
                    : kind == Kind.ALLOW_LIST ? isAllowEntry(t)
                    : kind == Kind.METHOD_GLOBS ? t.matches("[A-Za-z0-9_$*]+") : isToken(t))) bad++;
        }
        return bad;
    }

    enum Kind { TOKEN, SOURCES, LABEL, LANE, INT, PATTERN, HEADER_LIST, DURATION, BOOL, URL, PERCENT, HOST_SUFFIX, LEVEL, MDC_KEY, IGNORE_LIST, PATH,
        PORT, HOST, GUARD_MODE, ALLOW_LIST, METHOD_GLOBS }

    private static Kind kind(String key) {
        if (key.startsWith("graylane.instrumentation.") || key.equals(Keys.MIRROR_ENABLED) || key.equals(Keys.MIRROR_COMPARE)
                || key.equals(Keys.ROUTE_DUBBO_TAG) || key.equals(Keys.MDC_ENABLED)) return Kind.BOOL;
        switch (key) {
            case Keys.LABEL_HEADER:
            case Keys.MIRROR_SAMPLE_KEY: return Kind.TOKEN;
            case Keys.LABEL_SOURCES: return Kind.SOURCES;
            case Keys.LABEL_LOCAL:
            case Keys.MIRROR_LABEL: return Kind.LABEL;
            case Keys.LANE_BASE: return Kind.LANE;
            case Keys.LABEL_MAX_LENGTH:
            case Keys.TRACE_MAP_MAX_ENTRIES:
            case Keys.MIRROR_MAX_BODY_BYTES:
            case Keys.MIRROR_QUEUE_CAPACITY: return Kind.INT;
            case Keys.LABEL_PATTERN: return Kind.PATTERN;
            case Keys.TRACE_HEADERS:
            case Keys.TRACE_ID_HEADERS:
            case Keys.MIRROR_EXCLUDE_HEADERS:
            case Keys.MIRROR_COMPARE_HEADERS: return Kind.HEADER_LIST;
            case Keys.MIRROR_COMPARE_IGNORE: return Kind.IGNORE_LIST;
            case Keys.MIRROR_COMPARE_REPORT:
            case Keys.CACHE_DIR: return Kind.PATH;
            case Keys.MIRROR_COMPARE_REPORT_MAX_BYTES:
            case Keys.TRACE_MAP_TTL:
            case Keys.MIRROR_TIMEOUT: return Kind.DURATION;
            case Keys.MIRROR_TARGET:
            case Keys.MIRROR_SECONDARY: return Kind.URL;
            case Keys.MIRROR_PERCENTAGE: return Kind.PERCENT;
            case Keys.MIRROR_HOST_SUFFIX: return Kind.HOST_SUFFIX;
            case Keys.LOG_LEVEL: return Kind.LEVEL;
            case Keys.MDC_LABEL_KEY:
            case Keys.MDC_REQUEST_ID_KEY: return Kind.MDC_KEY;
            case Keys.METRICS_PORT: return Kind.PORT;
            case Keys.METRICS_HOST: return Kind.HOST;
            case Keys.SHADOW_GUARD: return Kind.GUARD_MODE;
            case Keys.SHADOW_ALLOW: return Kind.ALLOW_LIST;
            case Keys.SHADOW_READ_METHODS: return Kind.METHOD_GLOBS;
            default: throw new AssertionError("a key this test does not know: " + key + "; add it to kind()");
        }
    }

    /** The SPEC table's rule for the key, applied to the trimmed value; blank means "not set" where a key may be unset. */
    static boolean isValid(String key, String raw) {
        String v = raw.trim();
        boolean blank = v.isEmpty();
        switch (kind(key)) {
            case TOKEN: return isToken(v);
            case SOURCES: return expectedReports(key, raw) == 0;
            case LABEL: return blank || (v.length() <= 128 && v.matches("[A-Za-z0-9][A-Za-z0-9._-]*"));
            case LANE: return !blank && v.length() <= 128 && v.matches("[A-Za-z0-9][A-Za-z0-9._-]*"); // has a default lane
            case INT: return v.matches("[0-9]{1,10}") && inRange(key, Long.parseLong(v));
            case PATTERN: return !blank && compiles(v);
            case HEADER_LIST: return blank || expectedReports(key, raw) == 0;
            case DURATION: return v.matches("(?i)[0-9]{1,9}(ms|s|m)") && !v.matches("(?i)0+(ms|s|m)");
            case BOOL: return v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false");
            case URL: return blank || (v.matches("(?i)http://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?")
                    && (!v.matches(".*:[0-9]+/?") || Integer.parseInt(v.replaceAll(".*:([0-9]+)/?", "$1")) <= 65535));
            case PERCENT: return v.matches("[0-9]+(\\.[0-9]+)?|\\.[0-9]+") && Double.parseDouble(v) <= 100;
            case HOST_SUFFIX: return v.matches("[A-Za-z0-9.-]*");
            case MDC_KEY: return v.matches("[\\x21-\\x7e]{1,128}"); // the other key keeps its default, which differs
            case IGNORE_LIST: return blank || expectedReports(key, raw) == 0;
            case PATH: return blank || !v.matches("(?s).*[\\x00-\\x1f\\x7f-\\x9f].*");
            case PORT: return blank || (v.matches("[0-9]{1,10}") && Long.parseLong(v) >= 1 && Long.parseLong(v) <= 65535);
            case HOST: return v.length() <= 253 && v.matches("[A-Za-z0-9.:-]+"); // has a default address
            case GUARD_MODE: return v.matches("(?i)off|writes|all");
            case ALLOW_LIST:
            case METHOD_GLOBS: return blank || expectedReports(key, raw) == 0;
            default: return v.matches("(?i)debug|info|warn|error|off");
        }
    }

    private static boolean inRange(String key, long n) {
        switch (key) {
            case Keys.LABEL_MAX_LENGTH: return n >= 1 && n <= 4096;
            case Keys.TRACE_MAP_MAX_ENTRIES: return n >= 1 && n <= 100_000_000;
            case Keys.MIRROR_MAX_BODY_BYTES: return n <= Integer.MAX_VALUE - 8;
            case Keys.MIRROR_COMPARE_REPORT_MAX_BYTES: return n >= 4096 && n <= Integer.MAX_VALUE;
            default: return n >= 1 && n <= 1_000_000; // queue capacity
        }
    }

    /** SPEC 11: header:NAME, or a JSON path of .name, .*, [n], [*] segments after $. */
    private static boolean isIgnoreItem(String item) {
        if (item.toLowerCase(java.util.Locale.ROOT).startsWith("header:")) return isToken(item.substring(7).trim());
        return item.matches("\\$(\\.[\\x21-\\x7e&&[^.\\[\\]]]+|\\[(\\*|[0-9]{1,9})\\])*");
    }

    /** SPEC 12: http://HOST[:PORT][/PATH-PREFIX] (HOST may start with *.), grpc:S/M, dubbo:I#M, jdbc:..., kafka:T, rocketmq:T. */
    private static boolean isAllowEntry(String item) {
        if (!item.matches("[\\x21-\\x7e]+")) return false;
        java.util.regex.Matcher http = Pattern.compile("(?i)https?://(\\*\\.)?[A-Za-z0-9.-]+(:([0-9]{1,5}))?(/.*)?").matcher(item);
        if (http.matches()) return http.group(3) == null || (Integer.parseInt(http.group(3)) >= 1 && Integer.parseInt(http.group(3)) <= 65535);
        return item.matches("(?i)grpc:[^/]+/[^/]+|dubbo:[^#]+#[^#]+|jdbc:.+|kafka:.+|rocketmq:.+");
    }

    private static boolean isSource(String item) {
        if (item.equals("trace-map") || item.equals("local")) return true;
        int colon = item.indexOf(':');
        if (colon < 0) return false;
        String kind = item.substring(0, colon).trim();
        return (kind.equals("header") || kind.equals("baggage")) && isToken(item.substring(colon + 1).trim());
    }

    /** RFC 9110 token. */
    private static boolean isToken(String s) {
        return s.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    }

    private static boolean compiles(String regex) {
        try {
            Pattern.compile(regex);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The keys other than {@code key} kept their defaults: one bad value does not take the others down. */
    private static String othersIntact(String key, Config c) {
        if (!key.equals(Keys.LABEL_HEADER) && !Keys.DEFAULT_LABEL_HEADER.equals(c.labelHeader)) return "label header " + c.labelHeader;
        if (!key.equals(Keys.LABEL_SOURCES) && c.labelSources.size() != 4) return "label sources " + c.labelSources;
        if (!key.equals(Keys.LABEL_PATTERN) && !Keys.DEFAULT_PATTERN.equals(c.labelPattern)) return "pattern " + c.labelPattern;
        if (!key.equals(Keys.TRACE_HEADERS) && c.traceHeaders.size() != 13) return "trace headers " + c.traceHeaders;
        if (!key.startsWith("graylane.trace-map.") && !key.equals(Keys.TRACE_ID_HEADERS) && !c.traceMapEnabled()) {
            return "the trace map is off";
        }
        EnumSet<Hook> hooks = EnumSet.allOf(Hook.class);
        if (key.startsWith("graylane.instrumentation.")) {
            for (Hook h : Hook.values()) if (Keys.instrumentationEnabled(h).equals(key)) hooks.remove(h);
            if (!c.enabledHooks.containsAll(hooks)) return "hooks " + c.enabledHooks;
        } else if (!c.enabledHooks.equals(hooks)) {
            return "hooks " + c.enabledHooks;
        }
        return null;
    }

    private static String show(String value) {
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < value.length() && i < 40; i++) {
            char c = value.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.append(value.length() > 40 ? "...'" : "'").toString();
    }
}
