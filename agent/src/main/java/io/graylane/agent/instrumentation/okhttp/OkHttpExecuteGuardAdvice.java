package io.graylane.agent.instrumentation.okhttp;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.Request;

import java.io.IOException;

/**
 * Shadow write guard, {@code RealCall.execute()}: a blocked call never connects; {@code execute} throws the
 * {@code IOException} made here (see agent/README.md, "How advice fails a call on purpose").
 */
public final class OkHttpExecuteGuardAdvice {

    private OkHttpExecuteGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static IOException enter(@Advice.This Call call) {
        Request request = call.request();
        HttpUrl url = request.url();
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.OKHTTP), request.method(), url.scheme(), url.host(),
                url.port(), url.encodedPath());
        return blocked == null ? null : new IOException(blocked);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter IOException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
