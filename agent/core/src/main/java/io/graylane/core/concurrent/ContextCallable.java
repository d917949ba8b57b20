package io.graylane.core.concurrent;

import io.graylane.core.InboundRequest;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;

import java.util.concurrent.Callable;

/** The {@link Callable} counterpart of {@link ContextRunnable}. */
public final class ContextCallable<V> implements Callable<V> {

    private final Callable<V> task;
    private final TrafficContext context;

    private ContextCallable(Callable<V> task, TrafficContext context) {
        this.task = task;
        this.context = context;
    }

    public static <V> Callable<V> wrap(Callable<V> task) {
        if (task == null || task instanceof ContextCallable) return task;
        TrafficContext context = Traffic.current();
        return context == null ? task : new ContextCallable<>(task, context);
    }

    @Override
    public V call() throws Exception {
        InboundRequest thread = Traffic.thread(context);
        TrafficContext previous = thread.swap(context);
        try {
            return task.call();
        } finally {
            thread.swap(previous);
        }
    }

    @Override
    public String toString() {
        return task.toString();
    }
}
