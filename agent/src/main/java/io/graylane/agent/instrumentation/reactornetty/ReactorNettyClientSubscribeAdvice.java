package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.agent.instrumentation.reactornetty.helper.ClientContext;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.core.CoreSubscriber;

/**
 * {@code HttpClientConnect.MonoHttpConnect.subscribe(CoreSubscriber)} runs when the request is subscribed, in the
 * subscriber's context (the reactor hooks see to that): the context current now travels with the request's Reactor
 * context ({@link ClientContext}), since the request itself is written later on an event loop.
 */
public final class ReactorNettyClientSubscribeAdvice {

    private ReactorNettyClientSubscribeAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    @SuppressWarnings({"rawtypes", "UnusedAssignment"})
    public static void enter(@Advice.Argument(value = 0, readOnly = false) CoreSubscriber actual) {
        if (Hook.REACTOR_NETTY.isOn()) actual = ClientContext.wrap(actual, Traffic.current());
    }
}
