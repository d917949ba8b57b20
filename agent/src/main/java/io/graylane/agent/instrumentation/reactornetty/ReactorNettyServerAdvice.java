package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.agent.instrumentation.reactornetty.helper.NettyHeaders;
import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerState;

/**
 * {@code HttpServer.HttpServerHandle.onStateChange(Connection, State)} on {@code REQUEST_RECEIVED}: the application's
 * handler is applied and its publisher subscribed right here, on the event loop, so the request's context is current
 * exactly while the chain is subscribed; the reactor hooks carry it from there. The event loop has no context after.
 */
public final class ReactorNettyServerAdvice {

    private ReactorNettyServerAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope enter(@Advice.Argument(0) Connection connection, @Advice.Argument(1) ConnectionObserver.State state) {
        if (state != HttpServerState.REQUEST_RECEIVED || !(connection instanceof HttpServerRequest)) return null;
        InboundRequest in = Traffic.inbound(Hook.REACTOR_NETTY);
        if (in == null) return null;
        NettyHeaders.read(in, ((HttpServerRequest) connection).requestHeaders());
        return in.open();
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Scope scope) {
        if (scope != null) scope.close();
    }
}
