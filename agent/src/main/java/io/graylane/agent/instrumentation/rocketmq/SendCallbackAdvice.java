package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.core.concurrent.TaskContexts;
import net.bytebuddy.asm.Advice;

/**
 * {@code SendCallback.onSuccess/onException} of an asynchronous send (on the client's callback threads): the
 * application's callback runs under the sender's context, and the thread gets back what it had. Callbacks nothing was
 * recorded for (a wrapper's inner callback, a call by the application itself) run as they are.
 */
public final class SendCallbackAdvice {

    private SendCallbackAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.This Object callback) {
        return TaskContexts.enterOnce(callback);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        TaskContexts.leave(token);
    }
}
