package io.graylane.agent.compare;

import java.util.List;
import java.util.Locale;

/**
 * The report as one self-contained HTML page: no script, no external resource, and a Content-Security-Policy that
 * forbids loading anything ({@code default-src 'none'}), so opening it makes no request. Tables carry ids and data
 * attributes so that tools (and the tests) can read the numbers.
 */
final class HtmlReport {

    private HtmlReport() {
    }

    static String render(ReportCommand.Summary summary) {
        List<ReportCommand.Row> rows = summary.rows();
        StringBuilder b = new StringBuilder(16 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<title>graylane mirror comparison</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
                .append("th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top}")
                .append("td.n{text-align:right}tr.regressed td{background:#fde2e2}tr.noise td{background:#eef}")
                .append("code{font-size:90%;word-break:break-all}\n</style></head><body>\n")
                .append("<h1>graylane mirror comparison</h1>\n")
                .append("<p>A field <b>regresses</b> when the candidate differs from the primary more often than the secondary does, ")
                .append("by more than 3 percentage points and 20% relative; a field where the secondary differs too is <b>noise</b>.</p>\n");
        b.append("<table id=\"endpoints\"><thead><tr><th>endpoint</th><th>compared</th><th>equal</th><th>different</th>")
                .append("<th>noise-only</th><th>incomparable</th><th>different, share</th><th>noise-only, share</th>")
                .append("<th>regressed fields</th><th>noisy fields</th></tr></thead><tbody>\n");
        for (ReportCommand.Row row : rows) {
            EndpointStats s = row.stats;
            double differenceRate = Verdict.rate(s.outcomes[Comparison.DIFFERENT], s.comparable());
            double noiseRate = Verdict.rate(s.outcomes[Comparison.NOISE_ONLY], s.comparable());
            b.append("<tr data-endpoint=\"").append(escape(s.name)).append("\"><td>").append(escape(s.name)).append("</td>");
            cell(b, "compared", s.compared());
            cell(b, "equal", s.outcomes[0]);
            cell(b, "different", s.outcomes[1]);
            cell(b, "noise-only", s.outcomes[2]);
            cell(b, "incomparable", s.outcomes[3]);
            b.append("<td class=\"n\" data-col=\"difference-rate\">").append(percent(differenceRate)).append("</td>");
            b.append("<td class=\"n\" data-col=\"noise-rate\">").append(percent(noiseRate)).append("</td>");
            b.append("<td data-col=\"regressed\">").append(escape(s.fieldsWith("regressed").replace(",", ", "))).append("</td>");
            b.append("<td data-col=\"noisy\">").append(escape(s.fieldsWith("noise").replace(",", ", "))).append("</td></tr>\n");
        }
        b.append("</tbody></table>\n");
        if (rows.isEmpty()) b.append("<p>No comparisons in these files.</p>\n");
        for (ReportCommand.Row row : rows) {
            EndpointStats s = row.stats;
            b.append("<h2>").append(escape(s.name)).append("</h2>\n");
            b.append("<table class=\"fields\" data-endpoint=\"").append(escape(s.name)).append("\"><thead><tr><th>field</th>")
                    .append("<th>verdict</th><th>candidate rate</th><th>noise rate</th><th>examples: primary / candidate / secondary</th>")
                    .append("</tr></thead><tbody>\n");
            for (String field : byVerdict(s)) {
                String verdict = s.verdict(field);
                b.append("<tr class=\"").append(verdict).append("\" data-field=\"").append(escape(field)).append("\"><td><code>")
                        .append(escape(field)).append("</code></td><td data-col=\"verdict\">").append(verdict.isEmpty() ? "rare" : verdict)
                        .append("</td><td class=\"n\" data-col=\"candidate-rate\">").append(percent(row.candidateRate(field)))
                        .append("</td><td class=\"n\" data-col=\"noise-rate\">").append(percent(row.noiseRate(field)))
                        .append("</td><td>");
                List<ReportCommand.Example> examples = row.examples.get(field);
                if (examples != null) {
                    for (ReportCommand.Example e : examples) {
                        b.append("<div><code>").append(escape(e.request)).append("</code>");
                        if (e.requestId != null) b.append(" (").append(escape(e.requestId)).append(")");
                        b.append(": <code>").append(escape(e.primary)).append("</code> / <code>").append(escape(e.candidate))
                                .append("</code> / <code>").append(escape(e.secondary)).append("</code></div>");
                    }
                }
                b.append("</td></tr>\n");
            }
            b.append("</tbody></table>\n");
            if (!row.incomparable.isEmpty()) {
                b.append("<p>Incomparable, for example:</p><ul>");
                for (String r : row.incomparable) b.append("<li><code>").append(escape(r)).append("</code></li>");
                b.append("</ul>\n");
            }
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    /** Regressed fields first, then noise, then the rest; each group in the order first seen. */
    static java.util.List<String> byVerdict(EndpointStats s) {
        java.util.List<String> ordered = new java.util.ArrayList<>();
        for (String verdict : new String[]{"regressed", "noise", ""}) {
            for (String field : s.fields.keySet()) {
                if (s.verdict(field).equals(verdict)) ordered.add(field);
            }
        }
        return ordered;
    }

    private static void cell(StringBuilder b, String column, long value) {
        b.append("<td class=\"n\" data-col=\"").append(column).append("\">").append(value).append("</td>");
    }

    static String percent(double rate) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * rate);
    }

    static String escape(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '&': b.append("&amp;"); break;
                case '"': b.append("&quot;"); break;
                case '\'': b.append("&#39;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }
}
