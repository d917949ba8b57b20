package io.graylane.core.docs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every relative link in the repository's Markdown files (README.md and the module READMEs) points at a file or
 * folder that exists inside the repository, and every {@code #anchor} at a heading of the Markdown file it names,
 * as GitHub renders it. Links to other sites are not followed.
 */
class MarkdownLinksTest {

    private static final Set<String> SKIPPED_DIRECTORIES = new HashSet<>(Arrays.asList(".git", "target", "node_modules"));
    private static final Pattern FENCE = Pattern.compile("^\\s{0,3}(```|~~~)");
    private static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1");
    private static final Pattern INLINE_LINK =
            Pattern.compile("\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?([^\\s>]+)>?");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}#{1,6}\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
    private static final Pattern LINE_ANCHOR = Pattern.compile("L\\d+(-L\\d+)?");

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        Path root = Paths.get(System.getProperty("graylane.root", "../..")).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(root.resolve("README.md")), "repository root not found at " + root);
        List<Path> files = markdownFiles(root);
        assertTrue(files.contains(root.resolve("README.md")), "README.md was not checked: " + files);
        List<String> problems = check(root, files);
        if (!problems.isEmpty()) fail(problems.size() + " broken link(s):\n  " + String.join("\n  ", problems));
    }

    /** A merge left half done ({@code <<<<<<< HEAD} ... {@code >>>>>>> BRANCH} lines) shows both sides to readers. */
    @Test
    void noDocumentHoldsConflictMarkers() throws IOException {
        Path root = Paths.get(System.getProperty("graylane.root", "../..")).toAbsolutePath().normalize();
        List<String> found = new ArrayList<>();
        for (Path file : markdownFiles(root)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).matches("(<{7}|>{7}) .*")) found.add(root.relativize(file) + ":" + (i + 1));
            }
        }
        if (!found.isEmpty()) fail("conflict markers at " + found);
    }

    @Test
    void aBrokenLinkOrAMissingAnchorIsReported(@TempDir Path root) throws IOException {
        Files.createDirectories(root.resolve("module"));
        write(root.resolve("README.md"), "# Title", "## Shadow traffic (mirror)", "", "[ok](module/README.md#how-it-works)",
                "[ok](#shadow-traffic-mirror) [ok](module/) [ok](https://example.org/missing) `[code](missing.md)`",
                "[broken](missing.md)", "[broken anchor](module/README.md#nowhere)", "[outside](../elsewhere.md)");
        write(root.resolve("module/README.md"), "# Module", "## How it works", "[back](../README.md#title)",
                "```", "[in a code block](missing.md)", "```", "[broken anchor](#shadow-traffic-mirror)");
        List<String> problems = check(root, markdownFiles(root));
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("README.md:6: missing.md"), problems.get(0));
        assertTrue(problems.get(1).startsWith("README.md:7: module/README.md#nowhere"), problems.get(1));
        assertTrue(problems.get(2).startsWith("README.md:8: ../elsewhere.md"), problems.get(2));
        assertTrue(problems.get(3).startsWith("module/README.md:7: #shadow-traffic-mirror"), problems.get(3));
    }

    @Test
    void anchorsAreGitHubs() {
        assertEquals("shadow-traffic-mirror", slug("Shadow traffic (mirror)"));
        assertEquals("running-inside-the-opentelemetry-java-agent", slug("Running inside the OpenTelemetry Java agent"));
        assertEquals("graylane-agentjar-next-to-it", slug("`graylane-agent.jar` next to it"));
        assertEquals("across-threads-and-trace_map", slug("Across threads, and trace_map"));
        assertEquals("a--b", slug("a / b"));
        List<String> anchors = anchors(Arrays.asList("# Limits", "## Limits", "```", "# Not a heading", "```"));
        assertEquals(Arrays.asList("limits", "limits-1"), anchors);
        assertFalse(anchors.contains("not-a-heading"));
    }

    static List<String> check(Path root, List<Path> files) throws IOException {
        Map<Path, Set<String>> anchorsByFile = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            boolean inFence = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (FENCE.matcher(line).find()) {
                    inFence = !inFence;
                    continue;
                }
                if (inFence) continue;
                String text = INLINE_CODE.matcher(line).replaceAll("");
                List<String> targets = new ArrayList<>();
                Matcher link = INLINE_LINK.matcher(text);
                while (link.find()) targets.add(link.group(1));
                Matcher definition = REFERENCE_DEFINITION.matcher(text);
                if (definition.find()) targets.add(definition.group(1));
                for (String target : targets) {
                    String problem = problem(root, file, target, anchorsByFile);
                    if (problem != null) {
                        problems.add(root.relativize(file).toString().replace('\\', '/') + ":" + (i + 1) + ": "
                                + target + ": " + problem);
                    }
                }
            }
        }
        return problems;
    }

    private static String problem(Path root, Path file, String target, Map<Path, Set<String>> anchorsByFile)
            throws IOException {
        if (target.isEmpty()) return "empty link";
        if (SCHEME.matcher(target).find() || target.startsWith("//")) return null;
        int hash = target.indexOf('#');
        String path = decode(hash < 0 ? target : target.substring(0, hash));
        String fragment = hash < 0 ? null : decode(target.substring(hash + 1));
        Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
        if (!resolved.startsWith(root)) return "points outside the repository";
        if (!Files.exists(resolved)) return "no such file or folder";
        if (fragment == null) return null;
        if (!resolved.getFileName().toString().endsWith(".md")) {
            return LINE_ANCHOR.matcher(fragment).matches() ? null : "an anchor into a file that is not Markdown";
        }
        Set<String> anchors = anchorsByFile.get(resolved);
        if (anchors == null) {
            anchors = new HashSet<>(anchors(Files.readAllLines(resolved, StandardCharsets.UTF_8)));
            anchorsByFile.put(resolved, anchors);
        }
        return anchors.contains(fragment) ? null : "no heading with this anchor in " + root.relativize(resolved);
    }

    /** The anchors GitHub gives a Markdown file's headings (a repeated one gets -1, -2, ...), and explicit a-tags. */
    static List<String> anchors(List<String> lines) {
        List<String> anchors = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        for (String line : lines) {
            if (FENCE.matcher(line).find()) {
                inFence = !inFence;
                continue;
            }
            if (inFence) continue;
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) anchors.add(html.group(1));
            Matcher heading = HEADING.matcher(line);
            if (!heading.matches()) continue;
            String slug = slug(heading.group(1));
            Integer count = seen.get(slug);
            seen.put(slug, count == null ? 1 : count + 1);
            anchors.add(count == null ? slug : slug + "-" + count);
        }
        return anchors;
    }

    /** GitHub's rule: the heading's text in lower case, letters, digits, '-' and '_' kept, spaces to '-', all else dropped. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder slug = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') slug.appendCodePoint(c);
            else if (c == ' ') slug.append('-');
            i += Character.charCount(c);
        }
        return slug.toString();
    }

    static List<Path> markdownFiles(Path root) throws IOException {
        final List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<Path>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(root) && SKIPPED_DIRECTORIES.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (file.getFileName().toString().endsWith(".md")) files.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        Collections.sort(files);
        return files;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), "UTF-8");
        } catch (UnsupportedEncodingException | IllegalArgumentException e) {
            return s;
        }
    }

    private static void write(Path file, String... lines) throws IOException {
        Files.write(file, Arrays.asList(lines), StandardCharsets.UTF_8);
    }
}
