package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.ContextRunnable;
import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.util.concurrent.ForkJoinTask;

/**
 * {@code ForkJoinPool.execute/submit(Runnable)}: a Runnable that is itself a ForkJoinTask (as
 * CompletableFuture's async tasks are) keeps its identity and gets its context recorded; any other
 * Runnable is wrapped.
 */
public final class ForkJoinRunnableAdvice {

    private ForkJoinRunnableAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
        if (!Hook.EXECUTORS.isOn()) return;
        if (task instanceof ForkJoinTask) {
            TaskContexts.captureIfAbsent(task);
        } else {
            task = ContextRunnable.wrap(task);
        }
    }
}
