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

/** Apache HttpClient 4.x: every {@code execute} overload of a {@code CloseableHttpClient} ends in {@code doExecute}. */
public final class ApacheHttpClient4Instrumentation implements InstrumentationModule {

    private static final String CLIENT = "org.apache.http.impl.client.CloseableHttpClient";

    @Override
    public Hook hook() {
        return Hook.APACHE_HTTPCLIENT;
    }

    @Override
    public AgentBuilder extend(AgentBuilder builder, Advices advices) {
        return builder
                .type(nameStartsWith("org.apache.http.").and(not(isAbstract())).and(hasSuperType(named(CLIENT))), ClassLoaders.canSee(CLIENT))
                .transform(advices.advice(hook(), named("doExecute").and(takesArguments(3))
                        .and(takesArgument(0, named("org.apache.http.HttpHost")))
                        .and(takesArgument(1, named("org.apache.http.HttpRequest")))
                        .and(takesArgument(2, named("org.apache.http.protocol.HttpContext"))),
                        "io.graylane.agent.instrumentation.apachehttpclient.ApacheHttpClient4Advice"));
    }
}
