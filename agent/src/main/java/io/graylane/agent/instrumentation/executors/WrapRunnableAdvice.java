package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.ContextRunnable;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/** A Runnable handed to a pool carries the submitter's context. */
public final class WrapRunnableAdvice {

    private WrapRunnableAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
        if (Hook.EXECUTORS.isOn()) task = ContextRunnable.wrap(task);
    }
}
