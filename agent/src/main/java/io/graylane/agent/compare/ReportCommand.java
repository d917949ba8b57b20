package io.graylane.agent.compare;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code java -jar graylane-agent.jar report FILE.jsonl... [--html OUT.html]}: reads the comparison report files
 * (graylane.mirror.compare.report, and their rotated {@code .1}), prints a table per endpoint (compared, outcomes,
 * and the regressed and noisy fields with their rates) and, with {@code --html}, writes the same as one
 * self-contained page with a few examples per field.
 *
 * <p>Counts come from the totals lines each instance writes (the last one per instance, summed over instances);
 * examples from the lines of the comparisons that differed.
 */
public final class ReportCommand {

    /** Examples kept per endpoint and field. */
    static final int EXAMPLES = 3;
    /** Report lines longer than this are skipped (a line graylane writes is far shorter). */
    private static final int MAX_LINE = 16 * 1024 * 1024;

    private ReportCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 2 || !args[0].equals("report")) {
            err.println("usage: java -jar graylane-agent.jar report FILE.jsonl... [--html OUT.html]");
            err.println("  summarises the JSON-lines files written by graylane.mirror.compare.report");
            return 2;
        }
        List<File> files = new ArrayList<>();
        File html = null;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--html")) {
                if (i + 1 >= args.length) {
                    err.println("--html needs a file name");
                    return 2;
                }
                html = new File(args[++i]);
            } else {
                files.add(new File(args[i]));
            }
        }
        if (files.isEmpty()) {
            err.println("no report file given");
            return 2;
        }
        Summary summary = new Summary();
        for (File file : files) {
            try {
                summary.read(file);
            } catch (IOException e) {
                err.println("cannot read " + file + ": " + e.getMessage());
                return 1;
            }
        }
        summary.print(out);
        if (html != null) {
            try (Writer w = new OutputStreamWriter(new java.io.FileOutputStream(html), StandardCharsets.UTF_8)) {
                w.write(HtmlReport.render(summary));
            } catch (IOException e) {
                err.println("cannot write " + html + ": " + e.getMessage());
                return 1;
            }
            out.println("HTML report: " + html);
        }
        return 0;
    }

    /** One example of a field's difference. */
    static final class Example {
        final String request;
        final String requestId;
        final String primary;
        final String candidate;
        final String secondary;

        Example(String request, String requestId, String primary, String candidate, String secondary) {
            this.request = request;
            this.requestId = requestId;
            this.primary = primary;
            this.candidate = candidate;
            this.secondary = secondary;
        }
    }

    /** An endpoint as the report shows it. */
    static final class Row {
        final EndpointStats stats;
        final Map<String, List<Example>> examples = new LinkedHashMap<>();
        final List<String> incomparable = new ArrayList<>();

        Row(String name) {
            stats = new EndpointStats(name);
        }

        double candidateRate(String field) {
            long[] c = stats.fields.get(field);
            return c == null ? 0 : Verdict.rate(c[0], stats.comparable());
        }

        double noiseRate(String field) {
            long[] c = stats.fields.get(field);
            return c == null ? 0 : Verdict.rate(c[1], stats.withSecondary);
        }
    }

    /** Everything read from the files. */
    static final class Summary {
        /** Per instance, its last totals line (a line later in time replaces an earlier one). */
        final Map<String, Map<String, Object>> totals = new LinkedHashMap<>();
        final Map<String, String> totalsTime = new LinkedHashMap<>();
        final Map<String, Row> rows = new LinkedHashMap<>();
        long lines;
        long unreadable;

        void read(File file) throws IOException {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(new FileInputStream(file), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    if (line.isEmpty()) continue;
                    if (line.length() > MAX_LINE) {
                        unreadable++;
                        continue;
                    }
                    Object parsed;
                    try {
                        parsed = parse(line);
                    } catch (IOException | RuntimeException e) {
                        unreadable++; // a line cut short when the file rotated or the JVM died
                        continue;
                    }
                    if (!(parsed instanceof Map)) {
                        unreadable++;
                        continue;
                    }
                    lines++;
                    take(cast(parsed));
                }
            }
        }

        private void take(Map<String, Object> line) {
            String instance = String.valueOf(line.get("instance"));
            String time = String.valueOf(line.get("time"));
            if (line.get("totals") instanceof Map) {
                String last = totalsTime.get(instance);
                if (last == null || last.compareTo(time) <= 0) {
                    totals.put(instance, cast(line.get("totals")));
                    totalsTime.put(instance, time);
                }
                return;
            }
            String endpoint = String.valueOf(line.get("endpoint"));
            Row row = row(endpoint);
            String request = String.valueOf(line.get("request"));
            String requestId = line.get("requestId") == null ? null : String.valueOf(line.get("requestId"));
            if ("incomparable".equals(line.get("outcome"))) {
                if (row.incomparable.size() < EXAMPLES) row.incomparable.add(request + ": " + line.get("reason"));
                return;
            }
            Object diffs = line.get("diffs");
            if (!(diffs instanceof List)) return;
            for (Object d : (List<?>) diffs) {
                if (!(d instanceof Map)) continue;
                Map<String, Object> diff = cast(d);
                String path = String.valueOf(diff.get("path"));
                List<Example> examples = row.examples.get(path);
                if (examples == null) {
                    if (row.examples.size() >= EndpointStats.MAX_FIELDS) continue;
                    examples = new ArrayList<>();
                    row.examples.put(path, examples);
                }
                if (examples.size() < EXAMPLES) {
                    examples.add(new Example(request, requestId, text(diff.get("primary")), text(diff.get("candidate")),
                            text(diff.get("secondary"))));
                }
            }
        }

        private static String text(Object value) {
            return value == null ? "(absent)" : String.valueOf(value);
        }

        Row row(String endpoint) {
            Row row = rows.get(endpoint);
            if (row == null) {
                row = new Row(endpoint);
                rows.put(endpoint, row);
            }
            return row;
        }

        /** Adds up the instances' totals into the rows (once, after reading). */
        void settle() {
            for (Map<String, Object> byEndpoint : totals.values()) {
                for (Map.Entry<String, Object> e : byEndpoint.entrySet()) {
                    if (!(e.getValue() instanceof Map)) continue;
                    Map<String, Object> t = cast(e.getValue());
                    EndpointStats s = row(e.getKey()).stats;
                    s.outcomes[Comparison.EQUAL] += number(t.get("equal"));
                    s.outcomes[Comparison.DIFFERENT] += number(t.get("different"));
                    s.outcomes[Comparison.NOISE_ONLY] += number(t.get("noiseOnly"));
                    s.outcomes[Comparison.INCOMPARABLE] += number(t.get("incomparable"));
                    s.withSecondary += number(t.get("withSecondary"));
                    if (!(t.get("fields") instanceof Map)) continue;
                    for (Map.Entry<String, Object> f : cast(t.get("fields")).entrySet()) {
                        if (!(f.getValue() instanceof List) || ((List<?>) f.getValue()).size() != 2) continue;
                        List<?> counts = (List<?>) f.getValue();
                        long[] c = s.fields.get(f.getKey());
                        if (c == null) {
                            c = new long[2];
                            s.fields.put(f.getKey(), c);
                        }
                        c[0] += number(counts.get(0));
                        c[1] += number(counts.get(1));
                    }
                }
            }
            totals.clear();
        }

        private boolean settled;

        List<Row> rows() {
            if (!settled) {
                settle();
                settled = true;
            }
            return new ArrayList<>(rows.values());
        }

        void print(PrintStream out) {
            List<Row> all = rows();
            out.println(String.format(Locale.ROOT, "%-40s %9s %9s %9s %10s %12s", "endpoint", "compared", "equal",
                    "different", "noise-only", "incomparable"));
            for (Row row : all) {
                EndpointStats s = row.stats;
                out.println(String.format(Locale.ROOT, "%-40s %9d %9d %9d %10d %12d", s.name, s.compared(),
                        s.outcomes[0], s.outcomes[1], s.outcomes[2], s.outcomes[3]));
                for (String field : HtmlReport.byVerdict(s)) {
                    String verdict = s.verdict(field);
                    if (verdict.isEmpty()) continue;
                    out.println(String.format(Locale.ROOT, "    %-9s %-40s candidate %6.2f%%  noise %6.2f%%", verdict, field,
                            100 * row.candidateRate(field), 100 * row.noiseRate(field)));
                }
                for (String reason : row.incomparable) out.println("    incomparable: " + reason);
            }
            if (all.isEmpty()) out.println("(no comparisons in these files)");
            if (unreadable > 0) out.println(unreadable + " line(s) could not be read and were skipped");
        }
    }

    private static long number(Object o) {
        return o instanceof Number ? ((Number) o).longValue() : 0;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    /** One JSON value as maps, lists, strings, numbers, booleans and null (depth bounded by the parser). */
    static Object parse(String line) throws IOException {
        try (JsonParser p = MirrorCompare.JSON.createParser(line)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new IOException("empty");
            Object value = value(p, t);
            if (p.nextToken() != null) throw new IOException("more after the value");
            return value;
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    map.put(name, value(p, p.nextToken()));
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_ARRAY; k = p.nextToken()) list.add(value(p, k));
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected " + t);
        }
    }
}
