package io.graylane.agent.instrumentation.grpc;

import io.graylane.agent.instrumentation.grpc.helper.GrpcMetadata;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import io.grpc.Metadata;
import net.bytebuddy.asm.Advice;

/**
 * {@code DelayedClientCall.start} (a channel not ready yet, e.g. its name resolution pending): add the entries the
 * outgoing metadata lacks and count the call, on the caller's thread. The real {@code ClientCallImpl.start} that
 * follows with the same metadata, now or once the channel is ready (then on one of gRPC's threads), is not counted
 * again.
 */
public final class GrpcDelayedClientStartAdvice {

    private GrpcDelayedClientStartAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(1) Metadata headers) {
        GrpcMetadata.write(headers, Traffic.outboundDeferred(Hook.GRPC, headers));
    }
}
