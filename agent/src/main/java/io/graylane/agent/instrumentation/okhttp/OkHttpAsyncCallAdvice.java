package io.graylane.agent.instrumentation.okhttp;

import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/**
 * The dispatcher thread running an enqueued call (and its callback) takes the context recorded at
 * {@code enqueue}, whichever thread handed the call to the dispatcher's pool.
 */
public final class OkHttpAsyncCallAdvice {

    private OkHttpAsyncCallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.FieldValue("responseCallback") Object callback) {
        return TaskContexts.enterOnce(callback);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        TaskContexts.leave(token);
    }
}
