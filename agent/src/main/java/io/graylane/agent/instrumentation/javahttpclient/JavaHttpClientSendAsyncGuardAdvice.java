package io.graylane.agent.instrumentation.javahttpclient;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Shadow write guard, {@code HttpClientImpl.sendAsync}: a blocked request is never sent; {@code sendAsync} returns a
 * future already failed with the {@code IOException} made here, as it does for a request that could not be sent.
 */
public final class JavaHttpClientSendAsyncGuardAdvice {

    private JavaHttpClientSendAsyncGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static CompletableFuture<?> enter(@Advice.Argument(0) HttpRequest request) {
        URI uri = request.uri();
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.JAVA_HTTP_CLIENT), request.method(), uri.getScheme(),
                uri.getHost(), uri.getPort(), uri.getRawPath());
        if (blocked == null) return null;
        CompletableFuture<Object> failed = new CompletableFuture<Object>();
        failed.completeExceptionally(new IOException(blocked));
        return failed;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Enter CompletableFuture<?> blocked,
                            @Advice.Return(readOnly = false, typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC) Object returned) {
        if (blocked != null) returned = blocked;
    }
}
