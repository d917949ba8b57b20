package io.graylane.agent.instrumentation.apachehttpclient;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.core.hook.Hook;
import net.bytebuddy.agent.builder.AgentBuilder;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/** Apache HttpClient 5.x classic: every {@code execute} overload of a {@code CloseableHttpClient} ends in {@code doExecute}. */
public final class ApacheHttpClient5Instrumentation implements InstrumentationModule {

    private static final String CLIENT = "org.apache.hc.client5.http.impl.classic.CloseableHttpClient";

    @Override
    public Hook hook() {
        return Hook.APACHE_HTTPCLIENT;
    }

    @Override
    public AgentBuilder extend(AgentBuilder builder, Advices advices) {
        return builder
                .type(nameStartsWith("org.apache.hc.client5.").and(not(isAbstract())).and(hasSuperType(named(CLIENT))), ClassLoaders.canSee(CLIENT))
                .transform(advices.advice(hook(), named("doExecute").and(takesArguments(3))
                        .and(takesArgument(0, named("org.apache.hc.core5.http.HttpHost")))
                        .and(takesArgument(1, named("org.apache.hc.core5.http.ClassicHttpRequest")))
                        .and(takesArgument(2, named("org.apache.hc.core5.http.protocol.HttpContext"))),
                        "io.graylane.agent.instrumentation.apachehttpclient.ApacheHttpClient5Advice"));
    }
}
