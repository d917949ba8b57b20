package io.graylane.agent.instrumentation.grpc;

import io.graylane.agent.instrumentation.grpc.helper.GrpcBlockedCall;
import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * Shadow write guard, {@code ManagedChannelImpl.newCall}: for a blocked method the channel hands out a
 * {@link GrpcBlockedCall}, which fails with {@code PERMISSION_DENIED} when started; no stream is opened.
 */
public final class GrpcNewCallGuardAdvice {

    private GrpcNewCallGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static ClientCall<?, ?> enter(@Advice.Argument(0) MethodDescriptor<?, ?> method) {
        String blocked = ShadowGuard.grpc(Traffic.outboundAgain(Hook.GRPC), method.getFullMethodName());
        return blocked == null ? null : new GrpcBlockedCall<Object, Object>(blocked);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Enter ClientCall<?, ?> blocked,
                            @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object returned) {
        if (blocked != null) returned = blocked;
    }
}
