package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/**
 * {@code onCompletion} of the producer's callback wrapper (on the producer's I/O thread, or on the sender's thread
 * when the send fails at once): the application's callback runs under the sender's context, and the thread gets
 * back what it had.
 */
public final class SendCallbackCompletionAdvice {

    private SendCallbackCompletionAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.This Object callback) {
        return TaskContexts.enterOnce(callback);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        TaskContexts.leave(token);
    }
}
