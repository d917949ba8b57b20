package io.graylane.agent.instrumentation.httpurlconnection;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The JDK's {@code HttpURLConnection} (plain and HTTPS, which delegates to it): request properties
 * are set just before the connection is opened, by whichever of these the application calls first.
 */
public final class HttpUrlConnectionInstrumentation implements InstrumentationModule {

    @Override
    public Hook hook() {
        return Hook.HTTP_URL_CONNECTION;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        Rules.Rule rule = rules
                .named("sun.net.www.protocol.http.HttpURLConnection")
                .transform(advices.advice(hook(), named("connect").and(takesArguments(0)),
                        "io.graylane.agent.instrumentation.httpurlconnection.HttpUrlConnectionConnectAdvice"))
                .transform(advices.advice(hook(), namedOneOf("getOutputStream", "getInputStream").and(takesArguments(0)),
                        "io.graylane.agent.instrumentation.httpurlconnection.HttpUrlConnectionStreamAdvice"));
        if (ShadowGuard.isOn()) {
            rule.transform(advices.advice(hook(),
                    namedOneOf("connect", "getOutputStream", "getInputStream").and(takesArguments(0)),
                    "io.graylane.agent.instrumentation.httpurlconnection.HttpUrlConnectionGuardAdvice"));
        }
    }
}
