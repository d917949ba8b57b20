package io.graylane.samples;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;

/**
 * The gRPC transport of a sample app, {@code -Dgrpc.transport=netty-shaded} (default) or {@code netty}. Each one
 * lives in its own class, so a class path that holds only one of them (the grpc 1.60 run) never loads the other.
 */
final class GrpcTransport {

    static final String PROPERTY = "grpc.transport";

    private GrpcTransport() {
    }

    static String name() {
        return System.getProperty(PROPERTY, "netty-shaded");
    }

    /** A plaintext server builder bound to host:port. */
    static ServerBuilder<?> server(String host, int port) {
        return switch (name()) {
            case "netty" -> NettyTransport.server(host, port);
            case "netty-shaded" -> NettyShadedTransport.server(host, port);
            default -> throw unknown();
        };
    }

    /** A plaintext channel to host:port. */
    static ManagedChannel channel(String host, int port) {
        return switch (name()) {
            case "netty" -> NettyTransport.channel(host, port);
            case "netty-shaded" -> NettyShadedTransport.channel(host, port);
            default -> throw unknown();
        };
    }

    private static IllegalArgumentException unknown() {
        return new IllegalArgumentException("-D" + PROPERTY + " must be netty or netty-shaded, got " + name());
    }
}
