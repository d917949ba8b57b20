package io.graylane.agent.instrumentation.apachehttpclient;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;

import java.io.IOException;

/**
 * Shadow write guard, HttpClient 4 {@code doExecute}: a blocked request never connects; {@code doExecute} throws the
 * {@code IOException} made here (see agent/README.md, "How advice fails a call on purpose").
 */
public final class ApacheHttpClient4GuardAdvice {

    private ApacheHttpClient4GuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static IOException enter(@Advice.Argument(0) HttpHost target, @Advice.Argument(1) HttpRequest request) {
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.APACHE_HTTPCLIENT), request.getRequestLine().getMethod(),
                target == null ? null : target.getSchemeName(), target == null ? null : target.getHostName(),
                target == null ? -1 : target.getPort(), request.getRequestLine().getUri());
        return blocked == null ? null : new IOException(blocked);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter IOException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
