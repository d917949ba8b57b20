package io.graylane.agent.instrumentation.executors;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/** Work that runs once (a thread's run, a fork/join task's execution) runs under the context recorded for it. */
public final class RunRecordedOnceAdvice {

    private RunRecordedOnceAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object task,
                             @Advice.Local("applied") boolean applied,
                             @Advice.Local("previous") TrafficContext previous) {
        TrafficContext recorded = TaskContexts.take(task);
        if (recorded != null) {
            previous = Traffic.replay(recorded);
            applied = true;
        }
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Local("applied") boolean applied, @Advice.Local("previous") TrafficContext previous) {
        if (applied) Traffic.restore(previous);
    }
}
