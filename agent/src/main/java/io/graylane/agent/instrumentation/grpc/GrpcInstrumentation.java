package io.graylane.agent.instrumentation.grpc;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeTransformer;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * grpc-java 1.60 to 1.85, any transport. Server: every {@code ServerImplBuilder} (what Netty, Netty-shaded,
 * OkHttp, in-process and servlet server builders delegate to) gets graylane's {@code ServerInterceptor}, an
 * injected helper, as its outermost interceptor. Client: the outgoing {@code Metadata} gets the label and
 * trace headers when the call starts on the application's thread: in {@code ClientCallImpl.start}, or in
 * {@code DelayedClientCall.start} when the channel is still resolving and the real call starts later on a
 * gRPC thread (it gets the same {@code Metadata}).
 */
public final class GrpcInstrumentation implements InstrumentationModule {

    private static final String HELPER = "io.graylane.agent.instrumentation.grpc.helper.";

    @Override
    public Hook hook() {
        return Hook.GRPC;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        boolean guard = ShadowGuard.isOn();
        TypeTransformer helpers = guard
                ? advices.helpers(HELPER + "GrpcMetadata", HELPER + "GrpcServerInterceptor", HELPER + "GrpcContextListener",
                        HELPER + "GrpcBlockedCall")
                : advices.helpers(HELPER + "GrpcMetadata", HELPER + "GrpcServerInterceptor", HELPER + "GrpcContextListener");
        rules
                .named("io.grpc.internal.ServerImplBuilder")
                .transform(helpers)
                .transform(advices.advice(hook(), named("build").and(takesArguments(0)),
                        "io.graylane.agent.instrumentation.grpc.GrpcServerBuildAdvice"))
                .named("io.grpc.internal.ClientCallImpl")
                .transform(helpers)
                .transform(advices.advice(hook(), clientStart(),
                        "io.graylane.agent.instrumentation.grpc.GrpcClientStartAdvice"))
                .named("io.grpc.internal.DelayedClientCall")
                .transform(helpers)
                .transform(advices.advice(hook(), clientStart(),
                        "io.graylane.agent.instrumentation.grpc.GrpcDelayedClientStartAdvice"));
        if (guard) {
            rules
                    .named("io.grpc.internal.ManagedChannelImpl")
                    .transform(helpers)
                    .transform(advices.advice(hook(), named("newCall").and(takesArguments(2))
                                    .and(takesArgument(0, named("io.grpc.MethodDescriptor")))
                                    .and(takesArgument(1, named("io.grpc.CallOptions"))),
                            "io.graylane.agent.instrumentation.grpc.GrpcNewCallGuardAdvice"));
        }
    }

    private static ElementMatcher.Junction<MethodDescription> clientStart() {
        return named("start").and(takesArguments(2))
                .and(takesArgument(0, named("io.grpc.ClientCall$Listener")))
                .and(takesArgument(1, named("io.grpc.Metadata")));
    }
}
