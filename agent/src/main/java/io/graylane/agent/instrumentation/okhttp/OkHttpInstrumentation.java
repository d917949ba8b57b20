package io.graylane.agent.instrumentation.okhttp;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * OkHttp 3.x, 4.x and 5.x: headers go into the {@code Request} when the application creates the
 * call, on its own thread, so {@code execute} and {@code enqueue} are covered alike. The callback of
 * {@code enqueue} runs under the context of the code that enqueued the call.
 */
public final class OkHttpInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.okhttp.";

    @Override
    public Hook hook() {
        return Hook.OKHTTP;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        rules
                .named("okhttp3.OkHttpClient")
                .transform(advices.advice(hook(), named("newCall").and(takesArguments(1))
                        .and(takesArgument(0, named("okhttp3.Request"))),
                        PACKAGE + "OkHttpNewCallAdvice"));
        Rules.Rule realCall = rules
                .named("okhttp3.internal.connection.RealCall", "okhttp3.RealCall")
                .transform(advices.advice(hook(), named("enqueue").and(takesArguments(1))
                        .and(takesArgument(0, named("okhttp3.Callback"))), PACKAGE + "OkHttpEnqueueAdvice"));
        if (ShadowGuard.isOn()) {
            realCall.transform(advices.advice(hook(), named("execute").and(takesArguments(0)), PACKAGE + "OkHttpExecuteGuardAdvice"))
                    .transform(advices.advice(hook(), named("enqueue").and(takesArguments(1))
                            .and(takesArgument(0, named("okhttp3.Callback"))), PACKAGE + "OkHttpEnqueueGuardAdvice"));
        }
        rules
                .named("okhttp3.internal.connection.RealCall$AsyncCall", "okhttp3.RealCall$AsyncCall")
                .transform(advices.advice(hook(), namedOneOf("run", "execute").and(takesArguments(0)),
                        PACKAGE + "OkHttpAsyncCallAdvice"));
    }

}
