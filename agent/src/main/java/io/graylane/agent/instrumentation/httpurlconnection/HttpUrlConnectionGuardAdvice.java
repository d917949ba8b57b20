package io.graylane.agent.instrumentation.httpurlconnection;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URL;

/**
 * Shadow write guard, before the connection opens ({@code connect}, {@code getOutputStream}, {@code getInputStream}):
 * a blocked request never connects; the method throws the {@code IOException} made here (see agent/README.md, "How
 * advice fails a call on purpose").
 */
public final class HttpUrlConnectionGuardAdvice {

    private HttpUrlConnectionGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static IOException enter(@Advice.This HttpURLConnection connection, @Advice.FieldValue("connected") boolean connected) {
        if (connected) return null;
        URL url = connection.getURL();
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.HTTP_URL_CONNECTION), connection.getRequestMethod(),
                url.getProtocol(), url.getHost(), url.getPort(), url.getPath());
        return blocked == null ? null : new IOException(blocked);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter IOException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
