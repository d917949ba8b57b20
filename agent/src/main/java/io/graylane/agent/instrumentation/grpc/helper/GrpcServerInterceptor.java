package io.graylane.agent.instrumentation.grpc.helper;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Inbound gRPC: resolves the call's context from its metadata, like the servlet hook does from headers, makes it
 * current while the rest of the chain starts the call (streaming handlers run there), and hands back a listener
 * that makes it current again around every later callback. An injected helper (see {@code HelperInjector}).
 */
public final class GrpcServerInterceptor implements ServerInterceptor {

    public static final GrpcServerInterceptor INSTANCE = new GrpcServerInterceptor();

    private GrpcServerInterceptor() {}

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        Scope scope = open(headers);
        if (scope == null) return next.startCall(call, headers);
        TrafficContext context = Traffic.current();
        ServerCall.Listener<ReqT> listener;
        try {
            listener = next.startCall(call, headers);
        } finally {
            scope.close();
        }
        return listener == null ? null : new GrpcContextListener<ReqT>(listener, context);
    }

    /**
     * The call's scope, or null: the hook is off, this thread already serves an inbound request (a direct
     * executor under a servlet: that context stays), or graylane failed (logged once, hook switched off).
     */
    private static Scope open(Metadata headers) {
        try {
            InboundRequest in = Traffic.inbound(Hook.GRPC);
            if (in == null) return null;
            GrpcMetadata.read(headers, in);
            return in.open();
        } catch (Throwable t) {
            Hook.GRPC.fail(t);
            return null;
        }
    }
}
