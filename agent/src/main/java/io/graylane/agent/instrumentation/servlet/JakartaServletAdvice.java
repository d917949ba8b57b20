package io.graylane.agent.instrumentation.servlet;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import net.bytebuddy.asm.Advice;

/** {@code jakarta.servlet} filters and servlets: read the request's headers, open its context, close it on the way out. */
public final class JakartaServletAdvice {

    private JakartaServletAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope enter(@Advice.Argument(0) ServletRequest request) {
        if (!(request instanceof HttpServletRequest)) return null;
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        if (in == null) return null;
        HttpServletRequest http = (HttpServletRequest) request;
        for (int i = 0; i < in.size(); i++) in.set(i, http.getHeader(in.name(i)));
        return in.open();
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Scope scope) {
        if (scope != null) scope.close();
    }
}
