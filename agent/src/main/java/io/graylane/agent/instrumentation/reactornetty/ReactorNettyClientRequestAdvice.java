package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.agent.instrumentation.reactornetty.helper.ClientContext;
import io.graylane.agent.instrumentation.reactornetty.helper.NettyHeaders;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.netty.http.client.HttpClientRequest;

/**
 * The end of {@code HttpClientHandler.requestWithBody(HttpClientOperations)} (each attempt and redirect), on the event
 * loop: the request has the client's configured headers and those its send callback set so far; the headers it
 * lacks are added from the context the request was subscribed under ({@link ClientContext}), or the background
 * context when there was none. Headers the application sets later (WebClient writes its own when the request is
 * committed) replace graylane's, so what the application sets wins. While the method runs, the subscriber's context
 * (or none) is current: a request without a send callback is sent from inside it ({@code HttpClientOperations.send()},
 * see {@link ReactorNettyClientSendAdvice}), and on Reactor Netty before 1.0.2x its headers are written right there.
 */
public final class ReactorNettyClientRequestAdvice {

    private ReactorNettyClientRequestAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.Argument(0) HttpClientRequest request,
                               @Advice.Local("graylaneRecorded") TrafficContext recorded) {
        if (!Hook.REACTOR_NETTY.isOn()) return null;
        recorded = ClientContext.of(request);
        return TaskContexts.enterAlone(recorded);
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Argument(0) HttpClientRequest request, @Advice.Enter Object token,
                            @Advice.Local("graylaneRecorded") TrafficContext recorded) {
        if (token != null) TaskContexts.leave(token);
        if (!Hook.REACTOR_NETTY.isOn()) return;
        TrafficContext context = Traffic.outbound(Hook.REACTOR_NETTY, recorded);
        if (context == null) return;
        NettyHeaders.addMissing(request.requestHeaders(), context);
    }
}
