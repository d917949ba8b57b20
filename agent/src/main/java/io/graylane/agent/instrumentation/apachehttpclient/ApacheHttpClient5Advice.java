package io.graylane.agent.instrumentation.apachehttpclient;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpRequest;

/** HttpClient 5 {@code doExecute}: add each header the request lacks. */
public final class ApacheHttpClient5Advice {

    private ApacheHttpClient5Advice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) HttpRequest request) {
        TrafficContext context = Traffic.outbound(Hook.APACHE_HTTPCLIENT);
        for (int i = 0; context != null && i < context.lookups(); i++) {
            Header traceId = request.getFirstHeader(context.lookupName(i));
            context = context.lookup(i, traceId == null ? null : traceId.getValue());
        }
        for (int i = 0; context != null && i < context.size(); i++) {
            if (!request.containsHeader(context.name(i))) request.setHeader(context.name(i), context.value(i));
        }
    }
}
