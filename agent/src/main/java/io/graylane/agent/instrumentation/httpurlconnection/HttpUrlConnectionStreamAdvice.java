package io.graylane.agent.instrumentation.httpurlconnection;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.net.HttpURLConnection;

/**
 * {@code getOutputStream} / {@code getInputStream} before the connection opens: set each request property the
 * application did not set. Not counted: both call {@code connect}, which counts the call.
 */
public final class HttpUrlConnectionStreamAdvice {

    private HttpUrlConnectionStreamAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This HttpURLConnection connection, @Advice.FieldValue("connected") boolean connected) {
        if (connected) return;
        TrafficContext context = Traffic.outboundAgain(Hook.HTTP_URL_CONNECTION);
        for (int i = 0; context != null && i < context.lookups(); i++) {
            context = context.lookup(i, connection.getRequestProperty(context.lookupName(i)));
        }
        for (int i = 0; context != null && i < context.size(); i++) {
            if (connection.getRequestProperty(context.name(i)) == null) {
                connection.setRequestProperty(context.name(i), context.value(i));
            }
        }
    }
}
