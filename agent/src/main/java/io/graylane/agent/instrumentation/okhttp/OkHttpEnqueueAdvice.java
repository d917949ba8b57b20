package io.graylane.agent.instrumentation.okhttp;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/** {@code RealCall.enqueue(Callback)}: remember the caller's context for the callback. */
public final class OkHttpEnqueueAdvice {

    private OkHttpEnqueueAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Object callback) {
        if (Hook.OKHTTP.isOn()) TaskContexts.captureIfAbsent(callback);
    }
}
