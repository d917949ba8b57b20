package io.graylane.agent.instrumentation.javahttpclient;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;

/**
 * The private {@code HttpClientImpl.sendAsync(request, handler, pushPromiseHandler, executor)} every send ends in:
 * as {@link JavaHttpClientSendAdvice} (the request normally has everything by now), and the call is counted here, once.
 */
public final class JavaHttpClientSendCountedAdvice {

    private JavaHttpClientSendCountedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(value = 0, readOnly = false) HttpRequest request) {
        TrafficContext context = Traffic.outbound(Hook.JAVA_HTTP_CLIENT);
        for (int i = 0; context != null && i < context.lookups(); i++) {
            context = context.lookup(i, request.headers().firstValue(context.lookupName(i)).orElse(null));
        }
        HttpRequest.Builder copy = null;
        for (int i = 0; context != null && i < context.size(); i++) {
            if (request.headers().firstValue(context.name(i)).isPresent()) continue;
            if (copy == null) {
                copy = HttpRequest.newBuilder(request.uri())
                        .method(request.method(), request.bodyPublisher().orElse(HttpRequest.BodyPublishers.noBody()))
                        .expectContinue(request.expectContinue());
                if (request.timeout().isPresent()) copy.timeout(request.timeout().get());
                if (request.version().isPresent()) copy.version(request.version().get());
                for (Map.Entry<String, List<String>> header : request.headers().map().entrySet()) {
                    for (String value : header.getValue()) copy.header(header.getKey(), value);
                }
            }
            copy.header(context.name(i), context.value(i));
        }
        if (copy != null) request = copy.build();
    }
}
