package io.graylane.core.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogTest {

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    @BeforeEach
    void capture() throws Exception {
        startWindow(System.nanoTime());
        Log.setOut(new PrintStream(buffer, true, "UTF-8"));
        Log.setLevel(Log.Level.INFO);
    }

    @AfterEach
    void restore() throws Exception {
        Log.setOut(System.err);
        Log.setLevel(Log.Level.INFO);
        startWindow(System.nanoTime());
    }

    /** Starts a fresh rate-limit window at {@code nanos}: other tests in this JVM may have spent budget. */
    private static void startWindow(long nanos) throws Exception {
        ((AtomicLong) field("windowStart")).set(nanos);
        ((AtomicInteger) field("spentInWindow")).set(0);
        ((AtomicInteger) field("suppressed")).set(0);
    }

    private static Object field(String name) throws Exception {
        Field f = Log.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(null);
    }

    private List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (String line : new String(buffer.toByteArray(), StandardCharsets.UTF_8).split("\\r?\\n")) {
            if (!line.isEmpty()) lines.add(line);
        }
        return lines;
    }

    @Test
    void warningsBeyondTheBudgetAreNotPrinted() {
        int budget = Log.BUDGET_PER_MINUTE;
        for (int i = 0; i < budget * 3; i++) Log.warn("warning " + i);
        List<String> lines = lines();
        assertEquals(budget, lines.size(), lines.toString());
        assertEquals("[graylane] WARN warning 0", lines.get(0));
        assertEquals("[graylane] WARN warning " + (budget - 1), lines.get(budget - 1));
    }

    /** Configuration problems: one per bad key, all shown even past the budget, and they leave the budget intact. */
    @Test
    void boundedWarningsAreAllPrintedAndSpendNoBudget() {
        int many = Log.BUDGET_PER_MINUTE * 2;
        for (int i = 0; i < many; i++) Log.warnBounded("problem " + i);
        Log.warn("later warning");
        List<String> lines = lines();
        assertEquals(many + 1, lines.size(), lines.toString());
        assertEquals("[graylane] WARN problem " + (many - 1), lines.get(many - 1));
        assertEquals("[graylane] WARN later warning", lines.get(many));
        Log.setLevel(Log.Level.ERROR);
        Log.warnBounded("hidden");
        assertEquals(many + 1, lines().size());
    }

    @Test
    void warningsAndErrorsShareTheBudget() {
        int budget = Log.BUDGET_PER_MINUTE;
        for (int i = 0; i < budget / 2; i++) Log.warn("warning " + i);
        for (int i = 0; i < budget; i++) Log.error("error " + i, null);
        List<String> lines = lines();
        assertEquals(budget, lines.size(), lines.toString());
        assertTrue(lines.get(budget - 1).startsWith("[graylane] ERROR error "), lines.get(budget - 1));
    }

    @Test
    void theNextWindowReportsHowManyWereSuppressed() throws Exception {
        int budget = Log.BUDGET_PER_MINUTE;
        for (int i = 0; i < budget + 7; i++) Log.warn("warning " + i);
        ((AtomicLong) field("windowStart")).set(System.nanoTime() - 61_000_000_000L);
        Log.warn("a minute later");
        List<String> lines = lines();
        assertEquals(budget + 2, lines.size(), lines.toString());
        assertEquals("[graylane] WARN 7 further warnings were suppressed in the last minute", lines.get(budget));
        assertEquals("[graylane] WARN a minute later", lines.get(budget + 1));
    }

    @Test
    void infoIsNotRateLimited() {
        for (int i = 0; i < Log.BUDGET_PER_MINUTE * 2; i++) Log.info("info " + i);
        assertEquals(Log.BUDGET_PER_MINUTE * 2, lines().size());
        Log.warn("still has budget");
        assertTrue(lines().get(lines().size() - 1).endsWith("still has budget"));
    }

    @Test
    void levelFiltersMessages() {
        Log.setLevel(Log.Level.ERROR);
        Log.info("info");
        Log.warn("warn");
        Log.error("error", new IllegalStateException("cause"));
        Log.setLevel(Log.Level.OFF);
        Log.error("off", null);
        List<String> lines = lines();
        assertEquals("[graylane] ERROR error: java.lang.IllegalStateException: cause", lines.get(0));
        assertTrue(lines.size() > 1 && lines.get(1).startsWith("\tat "), "stack frames follow: " + lines);
        for (String line : lines) assertTrue(!line.contains("info") && !line.contains("warn") && !line.contains("off"), line);

        Log.setLevel(Log.Level.DEBUG);
        assertTrue(Log.isDebug());
        Log.debug("debugging");
        assertTrue(lines().get(lines().size() - 1).equals("[graylane] DEBUG debugging"));
    }

    @Test
    void parseLevel() {
        assertEquals(Log.Level.WARN, Log.parseLevel(" Warn "));
        assertEquals(Log.Level.OFF, Log.parseLevel("off"));
        assertNull(Log.parseLevel("loud"));
        assertNull(Log.parseLevel(null));
    }
}
