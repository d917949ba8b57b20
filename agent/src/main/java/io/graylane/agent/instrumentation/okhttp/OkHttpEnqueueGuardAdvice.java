package io.graylane.agent.instrumentation.okhttp;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.Request;

import java.io.IOException;

/**
 * Shadow write guard, {@code RealCall.enqueue(Callback)}: a blocked call is never enqueued; its callback's
 * {@code onFailure} gets the {@code IOException} made here, on the calling thread, and {@code enqueue} returns.
 */
public final class OkHttpEnqueueGuardAdvice {

    private OkHttpEnqueueGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean enter(@Advice.This Call call, @Advice.Argument(0) Callback callback) {
        Request request = call.request();
        HttpUrl url = request.url();
        String blocked = ShadowGuard.http(Traffic.outboundAgain(Hook.OKHTTP), request.method(), url.scheme(), url.host(),
                url.port(), url.encodedPath());
        if (blocked == null) return false;
        try {
            callback.onFailure(call, new IOException(blocked));
        } catch (Throwable ignored) {
            // the application's callback failed: as when OkHttp calls it, that is the application's own
        }
        return true;
    }
}
