package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/**
 * The instance being handed off (a thread being started, a task being forked) gets the current
 * context recorded, on entry: the other thread may run it before the hand-off method returns.
 */
public final class RecordThisAdvice {

    private RecordThisAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object task) {
        if (Hook.EXECUTORS.isOn()) TaskContexts.captureIfAbsent(task);
    }
}
