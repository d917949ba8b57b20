package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

/**
 * {@code HttpClientConnect.HttpClientHandler}'s constructor runs when the request's {@code Mono} is subscribed, in the
 * subscriber's context (the reactor hooks see to that): record it, since the request itself is written later on an
 * event loop.
 */
public final class ReactorNettyClientCreatedAdvice {

    private ReactorNettyClientCreatedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object handler) {
        if (Hook.REACTOR_NETTY.isOn()) TaskContexts.capture(handler);
    }
}
