package io.graylane.agent.instrumentation.reactor;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeTransformer;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.isTypeInitializer;

/**
 * reactor-core 3.4 to 3.8: the context follows the reactive chain, not the thread. When {@code Hooks} and
 * {@code Schedulers} initialise, graylane registers an operator hook (every subscriber of every operator delivers its
 * signals under the context current at subscription) and a schedule hook (every task given to a scheduler runs under
 * the context of the code that scheduled it). Both are injected helpers, defined in reactor-core's class loader.
 */
public final class ReactorInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.reactor.";
    private static final String HELPER = PACKAGE + "helper.";

    @Override
    public Hook hook() {
        return Hook.REACTOR;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        TypeTransformer helpers = advices.helpers(HELPER + "ContextSubscriber", HELPER + "ContextLifter", HELPER + "PublisherKind",
                HELPER + "ScheduleHook");
        rules
                .named("reactor.core.publisher.Hooks")
                .transform(helpers)
                .transform(advices.advice(hook(), isTypeInitializer(), PACKAGE + "ReactorHooksAdvice"))
                .named("reactor.core.scheduler.Schedulers")
                .transform(helpers)
                .transform(advices.advice(hook(), isTypeInitializer(), PACKAGE + "SchedulersAdvice"));
    }
}
