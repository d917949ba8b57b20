package io.graylane.agent.instrumentation.logback;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Logback (1.2 to 1.5): a {@code LoggingEvent} captures the application's MDC the first time something asks for it
 * ({@code getMDCPropertyMap()}: a layout's {@code %X}, an encoder, or {@code AsyncAppender} preparing the event on
 * the logging thread); graylane's entries join the event's copy at that moment.
 */
public final class LogbackInstrumentation implements InstrumentationModule {

    @Override
    public Hook hook() {
        return Hook.LOGBACK;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        rules.named("ch.qos.logback.classic.spi.LoggingEvent")
                .transform(advices.advice(hook(), named("getMDCPropertyMap").and(takesArguments(0))
                        .and(returns(named("java.util.Map"))),
                        "io.graylane.agent.instrumentation.logback.LoggingEventMdcAdvice"));
    }
}
