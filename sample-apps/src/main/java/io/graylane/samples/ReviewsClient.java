package io.graylane.samples;

import io.graylane.samples.grpc.ReviewsGrpc;
import io.graylane.samples.grpc.ReviewsReply;
import io.graylane.samples.grpc.ReviewsRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls the reviews service over one shared channel, with each kind of stub. Every call returns the reviews
 * answers it got (one for unary calls). Extra metadata is set the usual way, with a client interceptor.
 */
final class ReviewsClient {

    /** One way of calling reviews. */
    @FunctionalInterface
    interface Call {
        List<String> call(List<ExtraHeader> headers) throws Exception;
    }

    private static final long DEADLINE_SECONDS = 10;
    private static final ReviewsRequest PRODUCT = ReviewsRequest.newBuilder().setProduct("the-comedy-of-errors").build();
    /** Messages the streaming call sends; reviews answers each. */
    static final int STREAM_MESSAGES = 2;

    private final ManagedChannel channel;
    private final Map<String, Call> byName = new LinkedHashMap<>();

    /** {@code hostAndPort}: host:port of a reviews server. */
    ReviewsClient(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected host:port, got " + hostAndPort);
        }
        channel = GrpcTransport.channel(hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
        byName.put("grpc", headers -> List.of(blocking(headers).get(PRODUCT).getJson()));
        byName.put("grpc-future", headers -> List.of(
                Clients.await(ReviewsGrpc.newFutureStub(channel).withInterceptors(attach(headers))
                        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).get(PRODUCT)).getJson()));
        byName.put("grpc-async", this::async);
        byName.put("grpc-stream", this::stream);
        byName.put("grpc-later", headers -> List.of(blocking(headers).later(PRODUCT).getJson()));
    }

    Set<String> names() {
        return byName.keySet();
    }

    boolean knows(String name) {
        return name != null && byName.containsKey(name);
    }

    List<String> call(String name, List<ExtraHeader> headers) throws Exception {
        Call call = byName.get(name);
        if (call == null) {
            throw new IllegalArgumentException("unknown gRPC client: " + name);
        }
        return call.call(headers);
    }

    /** Unary Get with the blocking stub: reviews' answer. */
    String get() {
        return blocking(List.of()).get(PRODUCT).getJson();
    }

    private ReviewsGrpc.ReviewsBlockingStub blocking(List<ExtraHeader> headers) {
        return ReviewsGrpc.newBlockingStub(channel).withInterceptors(attach(headers))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private List<String> async(List<ExtraHeader> headers) throws Exception {
        Collector replies = new Collector();
        ReviewsGrpc.newStub(channel).withInterceptors(attach(headers))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).get(PRODUCT, replies);
        return Clients.await(replies.done);
    }

    /** Bidirectional streaming: sends {@link #STREAM_MESSAGES} requests, then half-closes. */
    private List<String> stream(List<ExtraHeader> headers) throws Exception {
        Collector replies = new Collector();
        StreamObserver<ReviewsRequest> requests = ReviewsGrpc.newStub(channel).withInterceptors(attach(headers))
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).chat(replies);
        for (int i = 0; i < STREAM_MESSAGES; i++) {
            requests.onNext(PRODUCT);
        }
        requests.onCompleted();
        return Clients.await(replies.done);
    }

    private static ClientInterceptor attach(List<ExtraHeader> headers) {
        Metadata extra = new Metadata();
        for (ExtraHeader header : headers) {
            extra.put(Metadata.Key.of(header.name(), Metadata.ASCII_STRING_MARSHALLER), header.value());
        }
        return MetadataUtils.newAttachHeadersInterceptor(extra);
    }

    /** Collects the answers of a call; {@code done} completes when the server closes it. */
    private static final class Collector implements StreamObserver<ReviewsReply> {
        final CompletableFuture<List<String>> done = new CompletableFuture<>();
        private final List<String> replies = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onNext(ReviewsReply reply) {
            replies.add(reply.getJson());
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(List.copyOf(replies));
        }
    }
}
