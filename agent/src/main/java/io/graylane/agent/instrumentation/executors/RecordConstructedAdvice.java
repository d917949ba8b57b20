package io.graylane.agent.instrumentation.executors;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/** A completion stage being created gets the current context recorded (after construction: no one can run it yet). */
public final class RecordConstructedAdvice {

    private RecordConstructedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object task) {
        if (Hook.EXECUTORS.isOn()) TaskContexts.captureIfAbsent(task);
    }
}
