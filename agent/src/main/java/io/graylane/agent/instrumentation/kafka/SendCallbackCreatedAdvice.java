package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/**
 * The producer's per-record callback wrapper is made inside {@code send}, on the sender's thread: record the
 * sender's context for it (nothing is recorded outside any request).
 */
public final class SendCallbackCreatedAdvice {

    private SendCallbackCreatedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object callback) {
        if (Hook.KAFKA.isOn()) TaskContexts.capture(callback);
    }
}
