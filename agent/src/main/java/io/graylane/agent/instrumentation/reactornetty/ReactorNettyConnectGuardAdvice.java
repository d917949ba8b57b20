package io.graylane.agent.instrumentation.reactornetty;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.netty.http.client.HttpClientConfig;

import java.io.IOException;

/**
 * Shadow write guard, {@code HttpClientConnect.MonoHttpConnect.subscribe}: runs when the request is subscribed, in
 * the subscriber's context, before anything connects. A blocked request is never connected: its subscriber gets
 * {@code onError(IOException)} (WebClient wraps it in its {@code WebClientRequestException}).
 */
public final class ReactorNettyConnectGuardAdvice {

    private ReactorNettyConnectGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean enter(@Advice.FieldValue("config") HttpClientConfig config, @Advice.Argument(0) CoreSubscriber<?> actual) {
        String uri = config.uri();
        String base = config.baseUrl();
        String url = uri == null ? base : base != null && !uri.startsWith("http://") && !uri.startsWith("https://") ? base + uri : uri;
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.REACTOR_NETTY), config.method().name(), null, null, -1, url);
        if (blocked == null) return false;
        Operators.error(actual, new IOException(blocked));
        return true;
    }
}
