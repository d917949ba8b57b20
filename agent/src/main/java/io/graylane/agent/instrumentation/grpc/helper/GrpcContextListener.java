package io.graylane.agent.instrumentation.grpc.helper;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ServerCall;

/**
 * Runs each callback of one server call with that call's context, on whichever gRPC executor thread it lands,
 * and puts back what the thread had before (nothing, on a gRPC thread) when the callback returns or throws.
 */
final class GrpcContextListener<ReqT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {

    private final TrafficContext context;

    GrpcContextListener(ServerCall.Listener<ReqT> delegate, TrafficContext context) {
        super(delegate);
        this.context = context;
    }

    @Override
    public void onMessage(ReqT message) {
        TrafficContext previous = Traffic.replay(context);
        try {
            super.onMessage(message);
        } finally {
            Traffic.restore(previous);
        }
    }

    @Override
    public void onHalfClose() {
        TrafficContext previous = Traffic.replay(context);
        try {
            super.onHalfClose();
        } finally {
            Traffic.restore(previous);
        }
    }

    @Override
    public void onCancel() {
        TrafficContext previous = Traffic.replay(context);
        try {
            super.onCancel();
        } finally {
            Traffic.restore(previous);
        }
    }

    @Override
    public void onComplete() {
        TrafficContext previous = Traffic.replay(context);
        try {
            super.onComplete();
        } finally {
            Traffic.restore(previous);
        }
    }

    @Override
    public void onReady() {
        TrafficContext previous = Traffic.replay(context);
        try {
            super.onReady();
        } finally {
            Traffic.restore(previous);
        }
    }
}
