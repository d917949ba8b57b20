package io.graylane.agent.instrumentation.grpc;

import io.graylane.agent.instrumentation.grpc.helper.GrpcServerInterceptor;
import io.graylane.core.hook.Hook;
import io.grpc.ServerInterceptor;
import net.bytebuddy.asm.Advice;

import java.util.List;

/**
 * {@code ServerImplBuilder.build()}: graylane's interceptor goes last in the list, which makes it the
 * outermost one (it sees the call first, and its listener wraps every other). Building twice still leaves
 * exactly one, last.
 */
public final class GrpcServerBuildAdvice {

    private GrpcServerBuildAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("interceptors") List<ServerInterceptor> interceptors) {
        if (!Hook.GRPC.isOn()) return;
        for (int i = interceptors.size() - 1; i >= 0; i--) {
            if (interceptors.get(i) instanceof GrpcServerInterceptor) interceptors.remove(i);
        }
        interceptors.add(GrpcServerInterceptor.INSTANCE);
    }
}
