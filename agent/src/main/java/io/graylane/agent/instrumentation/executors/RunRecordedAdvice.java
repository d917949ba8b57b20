package io.graylane.agent.instrumentation.executors;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/** Work that may run more than once (a completion stage, a periodic timer task) runs under the context recorded for it. */
public final class RunRecordedAdvice {

    private RunRecordedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This Object task,
                             @Advice.Local("applied") boolean applied,
                             @Advice.Local("previous") TrafficContext previous) {
        TrafficContext recorded = TaskContexts.peek(task);
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
