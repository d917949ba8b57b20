package io.graylane.agent.instrumentation.log4j;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Log4j 2 (log4j-core 2.7 and newer): every log event, synchronous, from a reusable or async logger, gets its context
 * data from a {@code ContextDataInjector} on the logging thread; graylane's entries join the map the built-in
 * injectors return. An injector of the application's own ({@code log4j2.contextDataInjector}) is not covered.
 */
public final class Log4jInstrumentation implements InstrumentationModule {

    private static final String INJECTOR = "org.apache.logging.log4j.core.impl.ThreadContextDataInjector$";

    @Override
    public Hook hook() {
        return Hook.LOG4J;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        rules.named(INJECTOR + "ForDefaultThreadContextMap", INJECTOR + "ForGarbageFreeThreadContextMap",
                        INJECTOR + "ForCopyOnWriteThreadContextMap")
                .transform(advices.advice(hook(), named("injectContextData").and(takesArguments(2))
                        .and(takesArgument(0, named("java.util.List")))
                        .and(takesArgument(1, named("org.apache.logging.log4j.util.StringMap")))
                        .and(returns(named("org.apache.logging.log4j.util.StringMap"))),
                        "io.graylane.agent.instrumentation.log4j.InjectContextDataAdvice"));
    }
}
