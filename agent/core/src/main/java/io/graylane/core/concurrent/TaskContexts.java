package io.graylane.core.concurrent;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * Context attached to task objects that cannot be wrapped (threads, fork/join tasks, completion
 * stages, timer tasks, callbacks): recorded when the work is handed off, looked up when it runs.
 * Keys are weak, so an entry lives no longer than its task; the table is striped to keep
 * concurrent requests off a single lock. Only work submitted under a context is recorded.
 */
public final class TaskContexts {

    private static final int STRIPES = 32;
    private static final Stripe[] TABLE = new Stripe[STRIPES];
    /** Tokens of {@link #enter}: nothing was recorded; or the thread had no context before. */
    private static final Object NOTHING_APPLIED = new Object();
    private static final Object NO_PREVIOUS = new Object();

    static {
        for (int i = 0; i < STRIPES; i++) TABLE[i] = new Stripe();
    }

    private TaskContexts() {}

    /** Records the current context (if any) for {@code task}. */
    public static void capture(Object task) {
        TrafficContext context = Traffic.current();
        if (context != null && task != null) stripe(task).put(task, context);
    }

    /** Like {@link #capture} but keeps a context recorded earlier (a task forked again keeps its origin). */
    public static void captureIfAbsent(Object task) {
        TrafficContext context = Traffic.current();
        if (context != null && task != null) stripe(task).putIfAbsent(task, context);
    }

    /** The context recorded for {@code task}, removed from the table; null when none. */
    public static TrafficContext take(Object task) {
        return task == null ? null : stripe(task).remove(task);
    }

    /** The context recorded for {@code task}, left in place (for work that may run more than once). */
    public static TrafficContext peek(Object task) {
        return task == null ? null : stripe(task).get(task);
    }

    /**
     * Makes the context recorded for {@code task} current, removing it from the table; returns what
     * {@link #leave} needs to put back. Work that runs once (a thread, a fork/join task) uses this.
     */
    public static Object enterOnce(Object task) {
        return apply(take(task));
    }

    /** Like {@link #enterOnce} but leaves the record in place, for work that may run again. */
    public static Object enter(Object task) {
        return apply(peek(task));
    }

    /**
     * Makes {@code recorded}, a context kept elsewhere than in this table, current; when it is null the thread runs
     * with no context rather than with whatever it had (an event loop may be inside another request's signal when it
     * starts the work). Returns what {@link #leave} needs to put back.
     */
    public static Object enterAlone(TrafficContext recorded) {
        TrafficContext previous = Traffic.replay(recorded);
        return previous == null ? NO_PREVIOUS : previous;
    }

    /** Ends what {@link #enter}, {@link #enterOnce} or {@link #enterAlone} began. */
    public static void leave(Object token) {
        if (token == NOTHING_APPLIED) return;
        Traffic.restore(token == NO_PREVIOUS ? null : (TrafficContext) token);
    }

    private static Object apply(TrafficContext recorded) {
        if (recorded == null) return NOTHING_APPLIED;
        TrafficContext previous = Traffic.replay(recorded);
        return previous == null ? NO_PREVIOUS : previous;
    }

    /** Number of live entries, for tests and diagnostics. */
    public static int size() {
        int n = 0;
        for (Stripe s : TABLE) n += s.size();
        return n;
    }

    private static Stripe stripe(Object task) {
        return TABLE[(System.identityHashCode(task) & 0x7fffffff) % STRIPES];
    }

    /** Task classes here never override equals/hashCode, so a WeakHashMap compares them by identity. */
    private static final class Stripe {
        private final Map<Object, TrafficContext> map = new WeakHashMap<>();

        synchronized void put(Object task, TrafficContext context) {
            map.put(task, context);
        }

        synchronized void putIfAbsent(Object task, TrafficContext context) {
            if (!map.containsKey(task)) map.put(task, context);
        }

        synchronized TrafficContext remove(Object task) {
            return map.isEmpty() ? null : map.remove(task);
        }

        synchronized TrafficContext get(Object task) {
            return map.isEmpty() ? null : map.get(task);
        }

        synchronized int size() {
            return map.size();
        }
    }
}
