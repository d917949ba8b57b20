package io.graylane.samples;

import java.util.concurrent.TimeUnit;

import org.apache.dubbo.config.ApplicationConfig;

/**
 * The reviews gRPC service (exactly {@link ReviewsApp}) with one more kind of NEXT, the ratings Dubbo service:
 * {@code java -jar graylane-reviews-dubbo.jar PORT NEXT}, where NEXT is what graylane-reviews.jar takes
 * ({@code http://host:port}, {@code grpc://host:port}) or ratings: a direct URL ({@code dubbo://host:port},
 * {@code tri://host:port}) or a registry with the protocol to use ({@code zookeeper://host:port?protocol=dubbo|tri}).
 * With ratings as NEXT, every Reviews call makes one Dubbo call, {@code Ratings.rate}, and its answer is ratings'
 * JSON (ratings, in turn, calls its backend over HTTP), so a reply shows what each hop of
 * gRPC -> Dubbo -> HTTP received.
 */
public final class ReviewsDubboApp {

    private static final long CALL_TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(10);

    private ReviewsDubboApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && (args[1].startsWith("http://") || args[1].startsWith("grpc://"))) {
            ReviewsApp.main(args);
            return;
        }
        if (args.length != 2 || !(DubboSamples.isDirect(args[1]) || args[1].startsWith("zookeeper://"))) {
            System.err.println("usage: java -jar graylane-reviews-dubbo.jar PORT NEXT, NEXT one of http://HOST:PORT,"
                    + " grpc://HOST:PORT, dubbo://HOST:PORT, tri://HOST:PORT, zookeeper://HOST:PORT?protocol=dubbo|tri");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String next = args[1];
        ApplicationConfig application = DubboSamples.application("graylane-reviews", !DubboSamples.isDirect(next));
        Ratings ratings = DubboSamples.ratings(application, next, CALL_TIMEOUT_MILLIS);
        ReviewsApp.serve(port, next, new RatingsDownstream(ratings));
    }

    /** Reviews' NEXT is ratings: one synchronous Dubbo call per answer. */
    record RatingsDownstream(Ratings ratings) implements ReviewsApp.Downstream {
        @Override
        public String call() {
            try {
                return ratings.rate("reviews");
            } catch (RuntimeException e) {
                return Json.error(e);
            }
        }
    }
}
