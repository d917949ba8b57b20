package io.graylane.agent.instrumentation.servlet;

import io.graylane.agent.instrumentation.servlet.helper.JavaxShadowRequest;
import io.graylane.agent.instrumentation.servlet.helper.JavaxShadowResponse;
import io.graylane.core.InboundRequest;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import io.graylane.core.mirror.ShadowCapture;
import javax.servlet.DispatcherType;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import net.bytebuddy.asm.Advice;

/**
 * {@code javax.servlet} filters and servlets: read the request's headers, open its context, close it on the way out.
 * The outermost call of a request selected for mirroring hands the application a wrapper that captures the body it
 * reads (and, when answers are compared, the response, to see what it answers); the copy is made when the call (or
 * the request's async cycle) ends.
 */
public final class JavaxServletAdvice {

    private JavaxServletAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static InboundRequest enter(@Advice.Argument(value = 0, readOnly = false) ServletRequest request,
                                       @Advice.Argument(value = 1, readOnly = false) ServletResponse response) {
        if (!(request instanceof HttpServletRequest)) return null;
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        if (in == null) return null;
        HttpServletRequest http = (HttpServletRequest) request;
        for (int i = 0; i < in.size(); i++) in.set(i, http.getHeader(in.name(i)));
        if (in.mirrorCandidate() && http.getDispatcherType() == DispatcherType.REQUEST) {
            ShadowCapture capture = in.mirror();
            if (capture != null) {
                request = JavaxShadowRequest.wrap(http, capture);
                // answers compared (graylane.mirror.compare): the response too, to see what the primary answers
                if (capture.answer() != null && response instanceof HttpServletResponse) {
                    response = JavaxShadowResponse.wrap((HttpServletResponse) response, capture);
                }
            }
        }
        in.open();
        return in;
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter InboundRequest scope) {
        if (scope != null) scope.close();
    }
}
