package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeTransformer;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * Reactor Netty 1.0 to 1.3 HTTP (Spring WebFlux, Spring Cloud Gateway, WebClient on its default connector). Server:
 * the request's context is opened around the call that applies the handler and subscribes its publisher. Client: the
 * context current when a request is subscribed travels in the request's Reactor context, and the headers it lacks are
 * added when the request is prepared on the event loop. The context follows the chain in between through the
 * {@code reactor} instrumentation.
 */
public final class ReactorNettyInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.reactornetty.";

    @Override
    public Hook hook() {
        return Hook.REACTOR_NETTY;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        TypeTransformer helpers = advices.helpers(PACKAGE + "helper.ClientContext", PACKAGE + "helper.NettyHeaders",
                PACKAGE + "helper.NettyHeaders$Name");
        rules
                .named("reactor.netty.http.server.HttpServer$HttpServerHandle")
                .transform(helpers)
                .transform(advices.advice(hook(), named("onStateChange").and(takesArguments(2))
                                .and(takesArgument(0, named("reactor.netty.Connection")))
                                .and(takesArgument(1, named("reactor.netty.ConnectionObserver$State"))),
                        PACKAGE + "ReactorNettyServerAdvice"))
                .named("reactor.netty.http.client.HttpClientConnect$MonoHttpConnect")
                .transform(helpers)
                .transform(advices.advice(hook(), named("subscribe").and(takesArguments(1))
                                .and(takesArgument(0, named("reactor.core.CoreSubscriber"))),
                        PACKAGE + "ReactorNettyClientSubscribeAdvice"))
                .named("reactor.netty.http.client.HttpClientConnect$HttpClientHandler")
                .transform(helpers)
                .transform(advices.advice(hook(), named("requestWithBody").and(takesArguments(1))
                                .and(takesArgument(0, named("reactor.netty.http.client.HttpClientOperations"))),
                        PACKAGE + "ReactorNettyClientRequestAdvice"))
                .named("reactor.netty.http.client.HttpClientOperations")
                .transform(helpers)
                .transform(advices.advice(hook(), named("send").and(takesArguments(0)),
                        PACKAGE + "ReactorNettyClientSendAdvice"));
        if (ShadowGuard.isOn()) {
            rules
                    .named("reactor.netty.http.client.HttpClientConnect$MonoHttpConnect")
                    .transform(advices.advice(hook(), named("subscribe").and(takesArguments(1))
                                    .and(takesArgument(0, named("reactor.core.CoreSubscriber"))),
                            PACKAGE + "ReactorNettyConnectGuardAdvice"));
        }
    }
}
