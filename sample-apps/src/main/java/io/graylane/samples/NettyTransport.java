package io.graylane.samples;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;

/** grpc-netty, on the application's own Netty. */
final class NettyTransport {

    private NettyTransport() {
    }

    static ServerBuilder<?> server(String host, int port) {
        return NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
    }

    static ManagedChannel channel(String host, int port) {
        return NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
    }
}
