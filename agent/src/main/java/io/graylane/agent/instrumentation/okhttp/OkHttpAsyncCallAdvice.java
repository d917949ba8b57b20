package io.graylane.agent.instrumentation.okhttp;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/**
 * The dispatcher thread running an enqueued call (and its callback) takes the context recorded at
 * {@code enqueue}, whichever thread handed the call to the dispatcher's pool.
 */
public final class OkHttpAsyncCallAdvice {

    private OkHttpAsyncCallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("responseCallback") Object callback,
                             @Advice.Local("applied") boolean applied,
                             @Advice.Local("previous") TrafficContext previous) {
        TrafficContext recorded = TaskContexts.take(callback);
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
