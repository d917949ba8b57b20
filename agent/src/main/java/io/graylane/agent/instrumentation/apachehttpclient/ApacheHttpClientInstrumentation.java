package io.graylane.agent.instrumentation.apachehttpclient;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeFilter;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Apache HttpClient 4.x (from 4.3) and 5.x classic: every {@code execute} overload of a
 * {@code CloseableHttpClient} ends in {@code doExecute(HttpHost, request, HttpContext)}.
 */
public final class ApacheHttpClientInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.apachehttpclient.";

    private final String packagePrefix;
    private final String client;
    private final String core;
    private final String request;
    private final String advice;

    private ApacheHttpClientInstrumentation(String packagePrefix, String client, String core, String request, String advice) {
        this.packagePrefix = packagePrefix;
        this.client = client;
        this.core = core;
        this.request = request;
        this.advice = advice;
    }

    public static ApacheHttpClientInstrumentation v4() {
        return new ApacheHttpClientInstrumentation("org.apache.http.", "org.apache.http.impl.client.CloseableHttpClient",
                "org.apache.http.", "org.apache.http.HttpRequest", PACKAGE + "ApacheHttpClient4Advice");
    }

    public static ApacheHttpClientInstrumentation v5() {
        return new ApacheHttpClientInstrumentation("org.apache.hc.client5.",
                "org.apache.hc.client5.http.impl.classic.CloseableHttpClient", "org.apache.hc.core5.http.",
                "org.apache.hc.core5.http.ClassicHttpRequest", PACKAGE + "ApacheHttpClient5Advice");
    }

    @Override
    public Hook hook() {
        return Hook.APACHE_HTTPCLIENT;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        Rules.Rule rule = rules
                // clients are the library's own classes that declare doExecute: name tests spare the hierarchy walk for all others
                .type(TypeFilter.nameStartsWith(packagePrefix).declaring("doExecute"),
                        not(isAbstract()).and(hasSuperType(named(client))), ClassLoaders.canSee(client))
                .transform(advices.advice(hook(), named("doExecute").and(takesArguments(3))
                        .and(takesArgument(0, named(core + "HttpHost")))
                        .and(takesArgument(1, named(request)))
                        .and(takesArgument(2, named(core + "protocol.HttpContext"))), advice));
        if (ShadowGuard.isOn()) {
            rule.transform(advices.advice(hook(), named("doExecute").and(takesArguments(3))
                    .and(takesArgument(0, named(core + "HttpHost")))
                    .and(takesArgument(1, named(request)))
                    .and(takesArgument(2, named(core + "protocol.HttpContext"))), advice.replace("Advice", "GuardAdvice")));
        }
    }
}
