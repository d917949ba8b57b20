package io.graylane.samples;

import io.graylane.samples.grpc.ReviewsGrpc;
import io.graylane.samples.grpc.ReviewsReply;
import io.graylane.samples.grpc.ReviewsRequest;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reviews service over gRPC (Bookinfo-like): {@code java -jar graylane-reviews.jar PORT NEXT}, where NEXT is
 * {@code http://host:port} (a backend: GET NEXT/echo) or {@code grpc://host:port} (another reviews: Get).
 * Every answer is {@code {"service":"reviews","lane":ASM_TRAFFIC_TAG,"headers":{...metadata received...},"downstream":{...}}}.
 * Transport: {@code -Dgrpc.transport=netty-shaded} (default) or {@code netty}. Ready once it prints
 * {@code [reviews] listening on ...}.
 *
 * <p>The server runs its calls on one thread, {@value #EXECUTOR_THREAD}, so that {@code Later}'s task lands on
 * the very thread that served the calls before it.
 */
public final class ReviewsApp {

    static final String EXECUTOR_THREAD = "reviews-grpc";
    static final String LISTENING = "[reviews] listening on ";
    private static final String HOST = BindAddress.get();
    private static final Duration DOWNSTREAM_TIMEOUT = Duration.ofSeconds(5);
    private static final Context.Key<Metadata> RECEIVED = Context.key("received-metadata");

    private ReviewsApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !(args[1].startsWith("http://") || args[1].startsWith("grpc://"))) {
            System.err.println("usage: java -jar graylane-reviews.jar PORT http://NEXT_HOST:PORT|grpc://NEXT_HOST:PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String next = args[1].replaceAll("/+$", "");
        serve(port, next, downstream(next));
    }

    /** The downstream of an {@code http://} or {@code grpc://} NEXT. */
    static Downstream downstream(String next) {
        return next.startsWith("grpc://")
                ? new ReviewsDownstream(new ReviewsClient(next.substring("grpc://".length())))
                : new HttpDownstream(next + "/echo");
    }

    /**
     * Serves Reviews on 127.0.0.1:PORT, answering every call with what {@code downstream} answered, until the
     * server is shut down. Other launchers (graylane-reviews-dubbo.jar) bring a downstream of their own.
     */
    static void serve(int port, String next, Downstream downstream) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(task -> new Thread(task, EXECUTOR_THREAD));
        LaterQueue later = new LaterQueue(executor);
        later.start();
        Server server = GrpcTransport.server(HOST, port)
                .executor(executor)
                .addService(ServerInterceptors.intercept(new ReviewsService(downstream, later), new KeepMetadata()))
                .build()
                .start();
        System.out.println(LISTENING + HOST + ":" + port + " -> " + next + " (" + GrpcTransport.name() + ")");
        server.awaitTermination();
    }

    /** Where reviews goes next; answers that hop's JSON, or {"error":"..."}. */
    interface Downstream {
        String call();
    }

    record HttpDownstream(String url) implements Downstream {
        @Override
        public String call() {
            try {
                return UrlConnectionGet.get(url, List.of(), DOWNSTREAM_TIMEOUT);
            } catch (IOException | RuntimeException e) {
                return Json.error(e);
            }
        }
    }

    record ReviewsDownstream(ReviewsClient reviews) implements Downstream {
        @Override
        public String call() {
            try {
                return reviews.get();
            } catch (RuntimeException e) {
                return Json.error(e);
            }
        }
    }

    /** The application's own interceptor: keeps the metadata received in the gRPC Context for the handlers. */
    static final class KeepMetadata implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                           ServerCallHandler<Q, R> next) {
            AccessLog.log("reviews", "grpc", call.getMethodDescriptor().getFullMethodName(),
                    name -> headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)));
            return Contexts.interceptCall(Context.current().withValue(RECEIVED, headers), call, headers, next);
        }
    }

    static final class ReviewsService extends ReviewsGrpc.ReviewsImplBase {
        private final Downstream downstream;
        private final LaterQueue later;

        ReviewsService(Downstream downstream, LaterQueue later) {
            this.downstream = downstream;
            this.later = later;
        }

        @Override
        public void get(ReviewsRequest request, StreamObserver<ReviewsReply> replies) {
            replies.onNext(answer(RECEIVED.get(), downstream.call()));
            replies.onCompleted();
        }

        @Override
        public StreamObserver<ReviewsRequest> chat(StreamObserver<ReviewsReply> replies) {
            Metadata received = RECEIVED.get();
            return new StreamObserver<>() {
                @Override
                public void onNext(ReviewsRequest request) {
                    replies.onNext(answer(received, downstream.call()));
                }

                @Override
                public void onError(Throwable t) {
                    // the client went away: nothing to answer
                }

                @Override
                public void onCompleted() {
                    replies.onCompleted();
                }
            };
        }

        @Override
        public void later(ReviewsRequest request, StreamObserver<ReviewsReply> replies) {
            Metadata received = RECEIVED.get();
            later.submit(() -> {
                replies.onNext(answer(received, downstream.call()));
                replies.onCompleted();
            });
        }
    }

    /**
     * A plain thread that moves tasks onto the server's executor: a task put there this way was submitted by a
     * thread that never served a call, and runs after the handler that asked for it has returned.
     */
    static final class LaterQueue {
        private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(100);
        private final ExecutorService executor;

        LaterQueue(ExecutorService executor) {
            this.executor = executor;
        }

        void start() {
            Thread thread = new Thread(() -> {
                while (true) {
                    try {
                        executor.execute(tasks.take());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "reviews-later");
            thread.setDaemon(true);
            thread.start();
        }

        void submit(Runnable task) {
            if (!tasks.offer(task)) {
                throw new IllegalStateException("later queue is full");
            }
        }
    }

    private static ReviewsReply answer(Metadata received, String downstreamJson) {
        String json = "{\"service\":\"reviews\"" + Json.lane() + ",\"thread\":" + Json.quote(Thread.currentThread().getName())
                + ",\"headers\":" + metadataJson(received) + ",\"downstream\":" + downstreamJson + "}";
        return ReviewsReply.newBuilder().setJson(json).build();
    }

    /** The metadata as the HTTP apps show headers; binary ({@code -bin}) values in base64, as HTTP/2 carries them. */
    static String metadataJson(Metadata metadata) {
        return Json.headers(Collections.enumeration(metadata.keys()),
                name -> Collections.enumeration(values(metadata, name)));
    }

    private static List<String> values(Metadata metadata, String name) {
        List<String> values = new ArrayList<>();
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            Iterable<byte[]> all = metadata.getAll(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER));
            if (all != null) {
                all.forEach(bytes -> values.add(Base64.getEncoder().encodeToString(bytes)));
            }
        } else {
            Iterable<String> all = metadata.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
            if (all != null) {
                all.forEach(values::add);
            }
        }
        return values;
    }
}
