package io.graylane.core.concurrent;

import io.graylane.core.InboundRequest;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;

/**
 * A task handed to an executor, carrying the context of the thread that submitted it. It runs under
 * that context and then puts back whatever the worker thread had (nothing, for a pooled thread).
 */
public final class ContextRunnable implements Runnable {

    private final Runnable task;
    private final TrafficContext context;

    private ContextRunnable(Runnable task, TrafficContext context) {
        this.task = task;
        this.context = context;
    }

    /** The task itself when there is no context to carry or it already carries one. */
    public static Runnable wrap(Runnable task) {
        if (task == null || task instanceof ContextRunnable) return task;
        TrafficContext context = Traffic.current();
        return context == null ? task : new ContextRunnable(task, context);
    }

    /** The application's own task (for executors that hand tasks back, e.g. shutdownNow). */
    public Runnable unwrap() {
        return task;
    }

    @Override
    public void run() {
        InboundRequest thread = Traffic.thread(context);
        TrafficContext previous = thread.swap(context);
        try {
            task.run();
        } finally {
            thread.swap(previous);
        }
    }

    @Override
    public String toString() {
        return task.toString();
    }
}
