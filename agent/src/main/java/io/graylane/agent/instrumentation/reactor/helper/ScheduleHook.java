package io.graylane.agent.instrumentation.reactor.helper;

import io.graylane.core.concurrent.ContextRunnable;
import io.graylane.core.hook.Hook;

import java.util.function.Function;

/**
 * Registered with {@code Schedulers.onScheduleHook}: work a Reactor scheduler is given (the subscription that
 * {@code subscribeOn} moves to a worker, a {@code Mono.delay} timer, a {@code publishOn} drain) runs under the context
 * of the code that scheduled it, and the worker gets back what it had (nothing) when it ends. An injected helper.
 */
public final class ScheduleHook implements Function<Runnable, Runnable> {

    public static final ScheduleHook INSTANCE = new ScheduleHook();
    /** The key of graylane's hook in {@code Schedulers}. */
    public static final String KEY = "io.graylane";

    private ScheduleHook() {}

    @Override
    public Runnable apply(Runnable task) {
        if (!Hook.REACTOR.isOn()) return task;
        try {
            return ContextRunnable.wrap(task);
        } catch (Throwable t) {
            Hook.REACTOR.fail(t);
            return task;
        }
    }
}
