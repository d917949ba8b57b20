package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/** Work that may run more than once (a completion stage) runs under the context recorded for it. */
public final class RunRecordedAdvice {

    private RunRecordedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.This Object task) {
        return TaskContexts.enter(task);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        TaskContexts.leave(token);
    }
}
