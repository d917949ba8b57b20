package io.graylane.agent.instrumentation.okhttp;

import io.graylane.core.TrafficContext;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import okhttp3.Request;

/** {@code OkHttpClient.newCall(Request)}: swap in a copy of the request with the headers it lacks. */
public final class OkHttpNewCallAdvice {

    private OkHttpNewCallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, readOnly = false) Request request) {
        TrafficContext context = Traffic.outbound(Hook.OKHTTP);
        for (int i = 0; context != null && i < context.lookups(); i++) {
            context = context.lookup(i, request.header(context.lookupName(i)));
        }
        Request.Builder copy = null;
        for (int i = 0; context != null && i < context.size(); i++) {
            if (request.header(context.name(i)) == null) {
                if (copy == null) copy = request.newBuilder();
                copy.addHeader(context.name(i), context.value(i)); // absent: nothing to replace
            }
        }
        if (copy != null) request = copy.build();
    }
}
