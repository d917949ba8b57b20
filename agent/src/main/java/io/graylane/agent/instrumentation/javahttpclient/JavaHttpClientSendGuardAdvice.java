package io.graylane.agent.instrumentation.javahttpclient;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;

/**
 * Shadow write guard, {@code HttpClientImpl.send}: a blocked request is never sent; {@code send} throws the
 * {@code IOException} made here (see agent/README.md, "How advice fails a call on purpose").
 */
public final class JavaHttpClientSendGuardAdvice {

    private JavaHttpClientSendGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static IOException enter(@Advice.Argument(0) HttpRequest request) {
        URI uri = request.uri();
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.JAVA_HTTP_CLIENT), request.method(), uri.getScheme(),
                uri.getHost(), uri.getPort(), uri.getRawPath());
        return blocked == null ? null : new IOException(blocked);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter IOException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
