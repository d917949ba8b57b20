package io.graylane.agent.instrumentation.servlet;

import io.graylane.core.concurrent.ContextRunnable;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/** {@code AsyncContext.start(Runnable)} (javax and jakarta): the container runs the task under the request's context. */
public final class AsyncContextStartAdvice {

    private AsyncContextStartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
        if (Hook.SERVLET.isOn()) task = ContextRunnable.wrap(task);
    }
}
