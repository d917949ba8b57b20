package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.rpc.Invocation;

/**
 * {@code AbstractProxyInvoker.invoke(Invocation)}: the provider reads the attachments it received, makes the
 * request's context current while the service method runs, and puts the thread's previous context back after.
 * An in-JVM call already inside a request on this thread is nested: it keeps the caller's context untouched.
 */
public final class DubboProviderAdvice {

    private DubboProviderAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope enter(@Advice.Argument(0) Invocation invocation) {
        InboundRequest in = Traffic.inbound(Hook.DUBBO);
        if (in == null) return null;
        for (int i = 0; i < in.size(); i++) in.set(i, invocation.getAttachment(in.name(i)));
        return in.open();
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Scope scope) {
        if (scope != null) scope.close();
    }
}
