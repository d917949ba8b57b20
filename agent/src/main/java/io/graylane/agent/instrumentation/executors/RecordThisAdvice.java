package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/** The instance being handed off (a thread being started, a task being forked or created) gets the current context recorded. */
public final class RecordThisAdvice {

    private RecordThisAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object task) {
        if (Hook.EXECUTORS.isOn()) TaskContexts.captureIfAbsent(task);
    }
}
