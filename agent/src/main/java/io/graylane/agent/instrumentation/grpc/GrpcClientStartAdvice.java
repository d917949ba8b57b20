package io.graylane.agent.instrumentation.grpc;

import io.graylane.agent.instrumentation.grpc.helper.GrpcMetadata;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import io.grpc.Metadata;
import net.bytebuddy.asm.Advice;

/**
 * {@code ClientCallImpl.start}: add the entries the outgoing metadata lacks, and count the call.
 * Application interceptors have run by then, so what they set wins. A call a {@code DelayedClientCall} started first
 * finds everything present here, and was counted there.
 */
public final class GrpcClientStartAdvice {

    private GrpcClientStartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) Metadata headers) {
        GrpcMetadata.write(headers, Traffic.outboundOnce(Hook.GRPC, headers));
    }
}
