package io.graylane.agent.instrumentation.reactor;

import io.graylane.agent.instrumentation.reactor.helper.ContextLifter;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;

/**
 * The end of {@code Hooks}' static initializer: from then on, the publishers assembled where a chain can change
 * threads are lifted ({@link ContextLifter}).
 */
public final class ReactorHooksAdvice {

    private ReactorHooksAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static void exit() {
        if (Hook.REACTOR.isOn()) {
            Hooks.onEachOperator(ContextLifter.KEY, Operators.liftPublisher(
                    (java.util.function.Predicate) ContextLifter.INSTANCE, (java.util.function.BiFunction) ContextLifter.INSTANCE));
        }
    }
}
