package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.agent.instrumentation.reactornetty.helper.NettyHeaders;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.netty.http.client.HttpClientRequest;

/**
 * The start of {@code HttpClientOperations.send()}: a request without a send callback ({@code
 * HttpClient.get().uri(...).response...()}), sent from inside {@code requestWithBody}, where
 * {@link ReactorNettyClientRequestAdvice} has made the request's recorded context current. On Reactor Netty before
 * 1.0.2x this method writes the headers at once, before {@code requestWithBody} returns; later versions write them
 * when the returned {@code Mono} is subscribed. Adds the headers the request lacks, like the end of
 * {@code requestWithBody} does (whichever runs second finds them there).
 */
public final class ReactorNettyClientSendAdvice {

    private ReactorNettyClientSendAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This HttpClientRequest request) {
        if (!Hook.REACTOR_NETTY.isOn()) return;
        TrafficContext context = Traffic.current();
        if (context == null) context = Traffic.background(Hook.REACTOR_NETTY);
        if (context == null) return;
        NettyHeaders.addMissing(request.requestHeaders(), context);
    }
}
