package io.graylane.agent.instrumentation.reactor;

import io.graylane.agent.instrumentation.reactor.helper.ContextSubscriber;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.core.CoreSubscriber;

/**
 * The start of an entry-point publisher's {@code subscribe(CoreSubscriber)} or {@code subscribeOrReturn(CoreSubscriber)}
 * (see {@link ReactorInstrumentation} for which): its subscriber gets its signals under the context current now.
 */
public final class PublisherSubscribeAdvice {

    private PublisherSubscribeAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    @SuppressWarnings({"rawtypes", "unchecked", "UnusedAssignment"})
    public static void enter(@Advice.Argument(value = 0, readOnly = false) CoreSubscriber actual) {
        if (Hook.REACTOR.isOn()) actual = ContextSubscriber.wrap(actual);
    }
}
