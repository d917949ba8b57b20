package io.graylane.agent.instrumentation.reactor;

import io.graylane.agent.instrumentation.reactor.helper.ContextLifter;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Operators;

/** The end of {@code Hooks}' static initializer: every operator assembled from then on is lifted. */
public final class ReactorHooksAdvice {

    private ReactorHooksAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static void exit() {
        if (Hook.REACTOR.isOn()) Hooks.onEachOperator(ContextLifter.KEY, Operators.lift((java.util.function.BiFunction) ContextLifter.INSTANCE));
    }
}
