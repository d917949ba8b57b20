package io.graylane.agent.instrumentation.reactor.helper;

import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import reactor.core.CoreSubscriber;
import reactor.core.Fuseable;
import reactor.core.Scannable;

import java.util.function.BiFunction;

/**
 * Registered with {@code Hooks.onEachOperator} (through {@code Operators.lift}): when a chain is subscribed, each of
 * its operators hands its signals to the next through a {@link ContextSubscriber} holding the context current at that
 * moment. Every operator, so a chain that hops threads between any two of them keeps the context. An injected helper.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public final class ContextLifter implements BiFunction<Scannable, CoreSubscriber, CoreSubscriber> {

    public static final ContextLifter INSTANCE = new ContextLifter();
    /** The key of graylane's hooks in {@code Hooks} and {@code Schedulers}. */
    public static final String KEY = "io.graylane";

    private ContextLifter() {}

    @Override
    public CoreSubscriber apply(Scannable operator, CoreSubscriber actual) {
        // just, empty, error: the value is there at subscription, on the subscriber's thread
        if (operator instanceof Fuseable.ScalarCallable || actual instanceof ContextSubscriber || !Hook.REACTOR.isOn()) {
            return actual;
        }
        try {
            return new ContextSubscriber(actual, Traffic.current());
        } catch (Throwable t) {
            Hook.REACTOR.fail(t);
            return actual;
        }
    }
}
