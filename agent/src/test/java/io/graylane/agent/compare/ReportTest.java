package io.graylane.agent.compare;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {

    @TempDir
    Path dir;

    @Test
    void theFileRotatesOnceItIsPastTheLimit() throws Exception {
        Path file = dir.resolve("sub/compare.jsonl");
        ReportFile report = new ReportFile(file.toString(), 100);
        byte[] line = "{\"x\":\"0123456789012345678901234567890123456789\"}\n".getBytes(StandardCharsets.UTF_8); // 49 bytes
        for (int i = 0; i < 5; i++) report.append(line);
        report.close();
        // 49, 98, 147 -> rotate; 49, 98
        assertEquals(2 * line.length, Files.size(file));
        assertEquals(3 * line.length, Files.size(dir.resolve("sub/compare.jsonl.1")));
    }

    @Test
    void totalsOfEachInstanceAreAddedAndExamplesKept() throws Exception {
        Path file = dir.resolve("r.jsonl");
        String a1 = "{\"time\":\"2026-01-01T00:00:01Z\",\"instance\":\"a\",\"totals\":{\"GET /x/{id}\":{\"equal\":1,\"different\":1,"
                + "\"noiseOnly\":0,\"incomparable\":0,\"withSecondary\":2,\"fields\":{\"$.v\":[1,0]}}}}";
        String a2 = "{\"time\":\"2026-01-01T00:00:09Z\",\"instance\":\"a\",\"totals\":{\"GET /x/{id}\":{\"equal\":5,\"different\":4,"
                + "\"noiseOnly\":1,\"incomparable\":0,\"withSecondary\":10,\"fields\":{\"$.v\":[4,0],\"$.t\":[5,5]}}}}";
        String b = "{\"time\":\"2026-01-01T00:00:05Z\",\"instance\":\"b\",\"totals\":{\"GET /x/{id}\":{\"equal\":5,\"different\":5,"
                + "\"noiseOnly\":0,\"incomparable\":0,\"withSecondary\":10,\"fields\":{\"$.v\":[5,0],\"$.t\":[5,5]}}}}";
        String diff = "{\"time\":\"2026-01-01T00:00:02Z\",\"instance\":\"a\",\"endpoint\":\"GET /x/{id}\",\"request\":\"GET /x/7\","
                + "\"requestId\":\"r7\",\"outcome\":\"different\",\"status\":{\"primary\":200,\"candidate\":200},"
                + "\"diffs\":[{\"path\":\"$.v\",\"primary\":\"1\",\"candidate\":\"2\",\"secondary\":\"1\",\"candidateDiffers\":true,"
                + "\"secondaryDiffers\":false}]}";
        // totals out of order in time, and a last line cut short (a JVM that died mid-write)
        Files.write(file, (a2 + "\n" + diff + "\n" + a1 + "\n" + b + "\n{\"time\":\"2026").getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Path html = dir.resolve("r.html");
        int rc = ReportCommand.run(new String[]{"report", file.toString(), "--html", html.toString()},
                new PrintStream(out, true, "UTF-8"), System.err);
        String text = out.toString("UTF-8");
        assertEquals(0, rc, text);
        assertTrue(text.matches("(?s).*GET /x/\\{id\\}\\s+20\\s+10\\s+9\\s+1\\s+0\n.*"), text); // a's last totals + b's
        assertTrue(text.contains("regressed $.v"), text);
        assertTrue(text.matches("(?s).*regressed \\$\\.v\\s+candidate\\s+45\\.00%\\s+noise\\s+0\\.00%.*"), text); // 9 of 20
        assertTrue(text.matches("(?s).*noise\\s+\\$\\.t\\s+candidate\\s+50\\.00%\\s+noise\\s+50\\.00%.*"), text);
        assertTrue(text.contains("1 line(s) could not be read"), text);
        String page = new String(Files.readAllBytes(html), StandardCharsets.UTF_8);
        assertTrue(page.contains("default-src 'none'"));
        assertTrue(page.contains("GET /x/7"));
        assertFalse(page.contains("<script"));
    }

    @Test
    void usage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, ReportCommand.run(new String[0], System.out, new PrintStream(err)));
        assertEquals(2, ReportCommand.run(new String[]{"report"}, System.out, new PrintStream(err)));
        assertTrue(err.toString().contains("usage"));
    }
}
