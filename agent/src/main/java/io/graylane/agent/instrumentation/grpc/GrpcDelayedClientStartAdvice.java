package io.graylane.agent.instrumentation.grpc;

import io.graylane.agent.instrumentation.grpc.helper.GrpcMetadata;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import io.grpc.Metadata;
import net.bytebuddy.asm.Advice;

/**
 * {@code DelayedClientCall.start} (a channel whose name resolution is pending): add the entries the outgoing
 * metadata lacks, on the caller's thread. Not counted: the real {@code ClientCallImpl.start} that follows, now or
 * once the channel is ready, counts the call.
 */
public final class GrpcDelayedClientStartAdvice {

    private GrpcDelayedClientStartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) Metadata headers) {
        GrpcMetadata.write(headers, Traffic.outboundAgain(Hook.GRPC));
    }
}
