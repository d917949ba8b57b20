package io.graylane.agent.instrumentation.javahttpclient;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * {@code java.net.http.HttpClient} (JDK 11+): {@code send} and {@code sendAsync} get a copy of the
 * request with the headers it lacks, taken on the caller's thread.
 */
public final class JavaHttpClientInstrumentation implements InstrumentationModule {

    @Override
    public Hook hook() {
        return Hook.JAVA_HTTP_CLIENT;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        Rules.Rule rule = rules
                .named("jdk.internal.net.http.HttpClientImpl")
                .transform(advices.advice(hook(), namedOneOf("send", "sendAsync").and(not(takesArguments(4)))
                        .and(takesArgument(0, named("java.net.http.HttpRequest"))),
                        "io.graylane.agent.instrumentation.javahttpclient.JavaHttpClientSendAdvice"))
                // every send and sendAsync ends in the private sendAsync(request, handler, pushPromiseHandler, executor)
                .transform(advices.advice(hook(), named("sendAsync").and(takesArguments(4))
                        .and(takesArgument(0, named("java.net.http.HttpRequest"))),
                        "io.graylane.agent.instrumentation.javahttpclient.JavaHttpClientSendCountedAdvice"));
        if (ShadowGuard.isOn()) {
            rule.transform(advices.advice(hook(), named("send").and(takesArgument(0, named("java.net.http.HttpRequest"))),
                            "io.graylane.agent.instrumentation.javahttpclient.JavaHttpClientSendGuardAdvice"))
                    .transform(advices.advice(hook(), named("sendAsync")
                            .and(takesArgument(0, named("java.net.http.HttpRequest"))),
                            "io.graylane.agent.instrumentation.javahttpclient.JavaHttpClientSendAsyncGuardAdvice"));
        }
    }
}
