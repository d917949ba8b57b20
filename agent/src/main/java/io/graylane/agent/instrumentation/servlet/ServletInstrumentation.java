package io.graylane.agent.instrumentation.servlet;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeFilter;
import io.graylane.agent.TypeTransformer;
import io.graylane.core.Traffic;
import io.graylane.core.config.Config;
import io.graylane.core.hook.Hook;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

import java.security.ProtectionDomain;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Inbound HTTP: every filter and HttpServlet of the {@code javax.servlet} or {@code jakarta.servlet}
 * namespace opens the request's context; the outermost one on the thread wins, the rest are no-ops.
 * Work started with {@code AsyncContext.start} runs under the request's context.
 */
public final class ServletInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.servlet.";
    private static final String HELPER = PACKAGE + "helper.";

    private final String base;
    private final String advice;
    /** Prefix of this namespace's mirror helpers (request wrapper, body stream, async listener). */
    private final String helpers;

    private ServletInstrumentation(String base, String advice, String helpers) {
        this.base = base;
        this.advice = advice;
        this.helpers = helpers;
    }

    public static ServletInstrumentation javax() {
        return new ServletInstrumentation("javax.servlet", PACKAGE + "JavaxServletAdvice", HELPER + "Javax");
    }

    public static ServletInstrumentation jakarta() {
        return new ServletInstrumentation("jakarta.servlet", PACKAGE + "JakartaServletAdvice", HELPER + "Jakarta");
    }

    private static final TypeTransformer NO_HELPERS = new TypeTransformer() {
        @Override
        public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                                                ProtectionDomain protectionDomain) {
            return builder;
        }

        @Override
        public String changes() {
            return null;
        }
    };

    @Override
    public Hook hook() {
        return Hook.SERVLET;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        String request = base + ".ServletRequest";
        String response = base + ".ServletResponse";
        // the mirror's request wrapper is a real class: defined in each loader whose servlets or filters are hooked,
        // and only when mirroring is on (the advice never reaches it otherwise)
        Config config = Traffic.config();
        TypeTransformer mirrorHelpers = config != null && config.mirror.enabled
                ? advices.helpers(helpers + "ShadowInputStream", helpers + "ShadowListener", helpers + "ShadowRequest",
                        helpers + "ShadowOutputStream", helpers + "ShadowResponse")
                : NO_HELPERS;
        rules
                .named(base + ".http.HttpServlet")
                .transform(mirrorHelpers)
                .transform(advices.advice(hook(), named("service").and(takesArguments(2))
                        .and(takesArgument(0, named(request))).and(takesArgument(1, named(response))), advice))
                // only a class that declares doFilter can receive the advice: one whose class file lacks the name is skipped
                // before its hierarchy is walked (most classes of a container, which all see the Filter interface)
                .type(TypeFilter.anyName().declaring("doFilter").extending(base + ".Filter"),
                        not(isAbstract()).and(hasSuperType(named(base + ".Filter"))),
                        ClassLoaders.canSee(base + ".Filter"))
                .transform(mirrorHelpers)
                .transform(advices.advice(hook(), named("doFilter").and(takesArguments(3))
                        .and(takesArgument(0, named(request))).and(takesArgument(1, named(response)))
                        .and(takesArgument(2, named(base + ".FilterChain"))).and(not(isAbstract())), advice))
                // containers name their implementation *AsyncContext*: a cheap name test before the hierarchy walk
                .type(TypeFilter.anyName().nameContains("AsyncContext").declaring("start")
                                .extending(base + ".AsyncContext"),
                        not(isAbstract()).and(hasSuperType(named(base + ".AsyncContext"))), ClassLoaders.canSee(base + ".AsyncContext"))
                .transform(advices.advice(hook(), named("start").and(takesArguments(1))
                        .and(takesArgument(0, named("java.lang.Runnable"))), PACKAGE + "AsyncContextStartAdvice"));
    }
}
