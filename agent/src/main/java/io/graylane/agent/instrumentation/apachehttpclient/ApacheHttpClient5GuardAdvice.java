package io.graylane.agent.instrumentation.apachehttpclient;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.HttpHost;

import java.io.IOException;

/**
 * Shadow write guard, HttpClient 5 classic {@code doExecute}: a blocked request never connects; {@code doExecute}
 * throws the {@code IOException} made here (see agent/README.md, "How advice fails a call on purpose").
 */
public final class ApacheHttpClient5GuardAdvice {

    private ApacheHttpClient5GuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static IOException enter(@Advice.Argument(0) HttpHost target, @Advice.Argument(1) ClassicHttpRequest request) {
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.APACHE_HTTPCLIENT), request.getMethod(),
                target != null ? target.getSchemeName() : request.getScheme(),
                target != null ? target.getHostName() : null, target != null ? target.getPort() : -1, request.getPath());
        return blocked == null ? null : new IOException(blocked);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter IOException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
