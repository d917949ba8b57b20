package io.graylane.agent.instrumentation.grpc.helper;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * The call a shadow copy gets instead of one the write guard blocked: {@code start} closes it at once with
 * {@code PERMISSION_DENIED} and the guard's message, nothing is sent, and everything else is a no-op, as for a call
 * gRPC itself fails before it starts. Stubs turn it into their usual {@code StatusRuntimeException}.
 */
public final class GrpcBlockedCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {

    private final String message;

    public GrpcBlockedCall(String message) {
        this.message = message;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
        listener.onClose(Status.PERMISSION_DENIED.withDescription(message), new Metadata());
    }

    @Override
    public void request(int numMessages) {
        // nothing will come
    }

    @Override
    public void cancel(String message, Throwable cause) {
        // already closed
    }

    @Override
    public void halfClose() {
        // nothing was sent
    }

    @Override
    public void sendMessage(ReqT message) {
        // dropped: the call is closed
    }
}
