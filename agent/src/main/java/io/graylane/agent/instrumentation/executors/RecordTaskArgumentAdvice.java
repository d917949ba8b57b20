package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/** A task object handed off as the first argument (a ForkJoinTask, a TimerTask) gets the current context recorded. */
public final class RecordTaskArgumentAdvice {

    private RecordTaskArgumentAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object task) {
        if (Hook.EXECUTORS.isOn()) TaskContexts.captureIfAbsent(task);
    }
}
