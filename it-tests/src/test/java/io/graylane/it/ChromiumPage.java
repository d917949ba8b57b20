package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comparison report's HTML page in a real headless Chromium (Debian's {@code chromium}): the DOM it renders must
 * hold the expected numbers, and opening the page must make no request: a page whose examples carry an image and a
 * style sheet pointing at a local listener (values the report must escape) leaves the listener without a
 * connection, while the same markup unescaped and without the page's Content-Security-Policy does reach it (so the
 * check can fail).
 */
final class ChromiumPage {

    private ChromiumPage() {
    }

    static String chromium() {
        for (String candidate : new String[]{"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (Files.isExecutable(Path.of(candidate))) return candidate;
        }
        return fail("headless Chromium is needed to check the HTML report: apt-get install -y chromium (see .ci/run)");
    }

    /** The DOM after Chromium loaded and laid out the page. */
    static String dumpDom(Path html) throws Exception {
        Path profile = Files.createTempDirectory("graylane-chromium");
        List<String> command = List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=3000", "--dump-dom", html.toUri().toString());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String dom;
        try (InputStream in = process.getInputStream()) {
            dom = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("chromium did not finish");
        }
        assertEquals(0, process.exitValue(), "chromium exit code");
        return dom;
    }

    /** The rendered page holds the endpoint's numbers and exactly the regressed fields; it makes no request. */
    static void check(Path html, String endpoint, long compared, Set<String> regressed) throws Exception {
        String dom = dumpDom(html);
        assertTrue(dom.contains("Content-Security-Policy"), "the page sets its CSP");
        String row = element(dom, "<tr data-endpoint=\"" + escape(endpoint) + "\">", "</tr>");
        assertEquals(Long.toString(compared), cell(row, "compared"), row);
        long sum = 0;
        for (String col : new String[]{"equal", "different", "noise-only", "incomparable"}) sum += Long.parseLong(cell(row, col));
        assertEquals(compared, sum, row);
        Set<String> shown = new TreeSet<>();
        for (String f : cell(row, "regressed").split(",\\s*")) if (!f.isEmpty()) shown.add(f);
        assertEquals(regressed, shown, row);
        String fields = element(dom, "<table class=\"fields\" data-endpoint=\"" + escape(endpoint) + "\">", "</table>");
        for (String field : regressed) {
            String fieldRow = element(fields, "<tr class=\"regressed\" data-field=\"" + field + "\">", "</tr>");
            assertEquals("regressed", cell(fieldRow, "verdict"), fieldRow);
        }
        System.out.println("[compare] chromium rendered " + endpoint + ": " + row.replaceAll("<[^>]+>", " ").replaceAll("\\s+", " "));
        noRequestLeaves(html.getParent());
    }

    /** A hostile report renders without a single connection to the address its values name. */
    private static void noRequestLeaves(Path dir) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger hits = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try (Socket s = listener.accept()) {
                        hits.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "chromium-canary");
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "http://127.0.0.1:" + listener.getLocalPort();
            String img = "<img src=\\\"" + url + "/img\\\"><link rel=stylesheet href=\\\"" + url + "/css\\\">";
            Path report = dir.resolve("hostile-" + System.nanoTime() + ".jsonl");
            Files.writeString(report, "{\"time\":\"2026-01-01T00:00:00Z\",\"instance\":\"t\",\"endpoint\":\"GET /x" + img
                    + "\",\"request\":\"GET /x\",\"outcome\":\"different\",\"status\":{\"primary\":200,\"candidate\":200},"
                    + "\"diffs\":[{\"path\":\"$.a\",\"primary\":\"" + img + "\",\"candidate\":\"2\",\"candidateDiffers\":true,"
                    + "\"secondaryDiffers\":false}]}\n"
                    + "{\"time\":\"2026-01-01T00:00:01Z\",\"instance\":\"t\",\"totals\":{\"GET /x" + img + "\":{\"equal\":0,"
                    + "\"different\":1,\"noiseOnly\":0,\"incomparable\":0,\"withSecondary\":0,\"fields\":{\"$.a\":[1,0]}}}}\n");
            Path page = dir.resolve(report.getFileName() + ".html");
            MirrorCompareIT.runReport(report, page);
            String dom = dumpDom(page);
            assertTrue(dom.contains("&lt;img src="), "the example is shown as text");
            assertEquals(0, hits.get(), "the report page made a request");
            // the canary works: the same markup, unescaped and without the CSP, is fetched
            Path open = dir.resolve("canary-" + System.nanoTime() + ".html");
            Files.writeString(open, "<!DOCTYPE html><html><body>" + img.replace("\\\"", "\"") + "</body></html>");
            dumpDom(open);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (hits.get() == 0 && System.nanoTime() - deadline < 0) Thread.sleep(50);
            assertTrue(hits.get() > 0, "an unprotected page did not reach the listener: the check could not fail");
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String element(String html, String start, String end) {
        int i = html.indexOf(start);
        if (i < 0) fail("the rendered page has no " + start + "\n" + html.substring(0, Math.min(html.length(), 4000)));
        int j = html.indexOf(end, i);
        return html.substring(i, j < 0 ? html.length() : j + end.length());
    }

    private static String cell(String row, String column) {
        Matcher m = Pattern.compile("data-col=\"" + Pattern.quote(column) + "\">([^<]*)<").matcher(row);
        if (!m.find()) fail("no " + column + " cell in " + row);
        return m.group(1).trim();
    }
}
