package io.graylane.core.log;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * graylane's own logger: one line per message on stderr, prefixed {@code [graylane]}.
 * It never touches java.util.logging or SLF4J, whose early initialisation breaks applications.
 * Warnings and errors share a budget per minute so a broken hook cannot flood the host's logs.
 */
public final class Log {

    public enum Level { DEBUG, INFO, WARN, ERROR, OFF }

    static final int BUDGET_PER_MINUTE = 20;
    private static final long MINUTE_NANOS = 60_000_000_000L;

    private static volatile Level threshold = Level.INFO;
    private static volatile PrintStream out = System.err;
    private static final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private static final AtomicInteger spentInWindow = new AtomicInteger();
    private static final AtomicInteger suppressed = new AtomicInteger();

    private Log() {}

    public static void setLevel(Level level) {
        threshold = level;
    }

    /** For tests: where the lines go. */
    public static void setOut(PrintStream stream) {
        out = stream;
    }

    public static boolean isDebug() {
        return threshold == Level.DEBUG;
    }

    public static Level parseLevel(String text) {
        if (text == null) return null;
        try {
            return Level.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public static void debug(String message) {
        if (threshold == Level.DEBUG) write(Level.DEBUG, message, null);
    }

    public static void info(String message) {
        if (threshold.ordinal() <= Level.INFO.ordinal()) write(Level.INFO, message, null);
    }

    public static void warn(String message) {
        limited(Level.WARN, message, null);
    }

    /**
     * A warning whose number its caller bounds (the configuration's problems, at most a few per key, once at start-up):
     * printed whenever warnings are, without spending the per-minute budget, so that none of them is lost.
     */
    public static void warnBounded(String message) {
        if (threshold.ordinal() <= Level.WARN.ordinal()) write(Level.WARN, message, null);
    }

    public static void error(String message, Throwable cause) {
        limited(Level.ERROR, message, cause);
    }

    private static void limited(Level level, String message, Throwable cause) {
        if (threshold.ordinal() > level.ordinal()) return;
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start > MINUTE_NANOS && windowStart.compareAndSet(start, now)) {
            spentInWindow.set(0);
            int dropped = suppressed.getAndSet(0);
            if (dropped > 0) write(Level.WARN, dropped + " further warnings were suppressed in the last minute", null);
        }
        if (spentInWindow.incrementAndGet() > BUDGET_PER_MINUTE) {
            suppressed.incrementAndGet();
            return;
        }
        write(level, message, cause);
    }

    private static void write(Level level, String message, Throwable cause) {
        StringBuilder line = new StringBuilder(message.length() + 32).append("[graylane] ");
        if (level != Level.INFO) line.append(level.name()).append(' ');
        line.append(message);
        if (cause != null) {
            line.append(": ").append(cause);
            StackTraceElement[] frames = cause.getStackTrace();
            for (int i = 0; i < Math.min(frames.length, 8); i++) line.append("\n\tat ").append(frames[i]);
        }
        out.println(line);
    }
}
