package io.graylane.agent.instrumentation.okhttp;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.core.hook.Hook;
import net.bytebuddy.agent.builder.AgentBuilder;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * OkHttp 3.x, 4.x and 5.x: headers go into the {@code Request} when the application creates the
 * call, on its own thread, so {@code execute} and {@code enqueue} are covered alike.
 */
public final class OkHttpInstrumentation implements InstrumentationModule {

    @Override
    public Hook hook() {
        return Hook.OKHTTP;
    }

    @Override
    public AgentBuilder extend(AgentBuilder builder, Advices advices) {
        return builder
                .type(named("okhttp3.OkHttpClient"))
                .transform(advices.advice(hook(), named("newCall").and(takesArguments(1))
                        .and(takesArgument(0, named("okhttp3.Request"))),
                        "io.graylane.agent.instrumentation.okhttp.OkHttpNewCallAdvice"));
    }
}
