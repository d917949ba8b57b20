package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/** Work that runs once (a thread's run, a fork/join task's execution) runs under the context recorded for it. */
public final class RunRecordedOnceAdvice {

    private RunRecordedOnceAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.This Object task) {
        return TaskContexts.enterOnce(task);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        TaskContexts.leave(token);
    }
}
