package io.graylane.agent.instrumentation.executors;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import net.bytebuddy.asm.Advice;

/** A pool creating a worker thread does it with no context, so the worker inherits none. */
public final class NoContextAdvice {

    private NoContextAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static TrafficContext enter() {
        return Traffic.replay(null);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter TrafficContext previous) {
        Traffic.restore(previous);
    }
}
