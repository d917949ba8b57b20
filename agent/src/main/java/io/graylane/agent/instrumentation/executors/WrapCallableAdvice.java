package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.ContextCallable;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.util.concurrent.Callable;

/** A Callable handed to a pool carries the submitter's context. */
public final class WrapCallableAdvice {

    private WrapCallableAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, readOnly = false) Callable<?> task) {
        if (Hook.EXECUTORS.isOn()) task = ContextCallable.wrap(task);
    }
}
