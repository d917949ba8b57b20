package io.graylane.core.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The README's configuration table documents every key the code reads, with the code's default, and no key the code
 * does not read.
 */
class ReadmeConfigTableTest {

    @Test
    void everyKeyIsDocumentedWithItsDefault() throws IOException {
        List<String> lines = readme();
        List<String> missing = new ArrayList<>();
        for (String key : Keys.all()) {
            String row = row(lines, key);
            if (row == null) {
                missing.add(key);
                continue;
            }
            String[] cells = row.split("\\|");
            String documentedDefault = cells[2].trim();
            String expected = Keys.defaultOf(key);
            if (expected == null) {
                assertTrue(documentedDefault.startsWith("none") || documentedDefault.contains("ASM_TRAFFIC_TAG"),
                        key + " has no default in the code, README says: " + documentedDefault);
            } else {
                assertEquals("`" + expected + "`", documentedDefault, "README default of " + key);
            }
        }
        if (!missing.isEmpty()) fail("keys missing from the README configuration table: " + missing);
    }

    @Test
    void everyDocumentedKeyIsReadByTheCode() throws IOException {
        List<String> unknown = new ArrayList<>();
        for (String line : readme()) {
            if (!line.startsWith("| `graylane.")) continue;
            String key = line.substring(3, line.indexOf('`', 3));
            if (!Keys.all().contains(key)) unknown.add(key);
        }
        if (!unknown.isEmpty()) fail("the README configuration table documents keys the code does not read: " + unknown);
    }

    private static List<String> readme() throws IOException {
        Path readme = Paths.get(System.getProperty("graylane.readme", "../../README.md"));
        assertTrue(Files.isRegularFile(readme), "README not found at " + readme.toAbsolutePath());
        return Files.readAllLines(readme, StandardCharsets.UTF_8);
    }

    private static String row(List<String> lines, String key) {
        for (String line : lines) {
            if (line.startsWith("| `" + key + "` |")) return line;
        }
        return null;
    }
}
