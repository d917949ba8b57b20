package io.graylane.samples.webflux;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

/**
 * The calls to NEXT_URL/echo, through each reactive pattern. With logger {@code sample.mdc} at INFO, each call is
 * logged where the pattern makes it (after its thread hop: {@code [webflux] hop pattern=P id=ID}) and where its answer
 * arrives ({@code [webflux] answer pattern=P id=ID}), ID being the request's {@code x-request-id} as received.
 */
final class Calls {

    static final Logger MDC_LOG = LoggerFactory.getLogger("sample.mdc");

    static final List<String> PATTERNS = List.of("direct", "publish-on", "subscribe-on", "bounded-elastic",
            "executor", "delay", "delay-elements", "flatmap", "zip", "retry", "blocking",
            "cache", "share", "chained");

    /** How long requests share one {@code cache()}d timer (pattern cache). */
    private static final long SHARED_WINDOW_NANOS = Duration.ofMillis(5).toNanos();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String echoUrl;
    private final WebClient webClient = ManualPropagation.ENABLED
            ? WebClient.builder().filter(ManualPropagation.clientFilter()).build()
            : ManualPropagation.CONSTANT_HEADERS ? ManualPropagation.constantHeaders(WebClient.builder()).build()
            : WebClient.builder().build();
    private final HttpClient httpClient = HttpClient.create().responseTimeout(TIMEOUT);
    /** The application's own pool, used as a Reactor scheduler. */
    private final ExecutorService pool = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "app-pool");
        t.setDaemon(true);
        return t;
    });
    private final Scheduler poolScheduler = Schedulers.fromExecutor(pool);
    /** A timer that the requests arriving within a few milliseconds share, each after its own first subscriber. */
    private final AtomicReference<Mono<Long>> sharedTimer = new AtomicReference<>();
    private volatile long sharedTimerSince;
    /** Ticks multicast to every request that waits for one (pattern share), from its first subscriber on. */
    private final Flux<Long> sharedTicks = Flux.interval(Duration.ofMillis(2)).onBackpressureDrop().publish().autoConnect();

    Calls(String echoUrl) {
        this.echoUrl = echoUrl;
    }

    /** One call with {@code client}: webclient, httpclient or blocking. */
    Mono<String> call(String client, List<String[]> extra) {
        return switch (client) {
            case "httpclient" -> httpClient.headers(h -> extra.forEach(e -> h.set(e[0], e[1])))
                    .get().uri(echoUrl).responseContent().aggregate().asString();
            case "blocking" -> Mono.fromCallable(() -> blockingGet(extra)).subscribeOn(Schedulers.boundedElastic());
            default -> webClient.get().uri(echoUrl).headers(h -> extra.forEach(e -> h.set(e[0], e[1])))
                    .retrieve().bodyToMono(String.class);
        };
    }

    /** {@link #call}, logged where it is made and where its answer arrives when {@link #MDC_LOG} is on. */
    private Mono<String> logged(String client, List<String[]> extra, String pattern, String id) {
        return logged(() -> call(client, extra), pattern, id);
    }

    private static Mono<String> logged(Supplier<Mono<String>> call, String pattern, String id) {
        if (!MDC_LOG.isInfoEnabled()) return call.get();
        MDC_LOG.info("[webflux] hop pattern={} id={}", pattern, id);
        return call.get().doOnNext(answer -> MDC_LOG.info("[webflux] answer pattern={} id={}", pattern, id));
    }

    /** The calls of {@code pattern}; {@code id} names the request in the log lines of {@link #MDC_LOG}. */
    Mono<List<String>> run(String pattern, String client, List<String[]> extra, String id) {
        Supplier<Mono<String>> next = () -> logged(client, extra, pattern, id);
        return switch (pattern) {
            case "direct" -> next.get().map(List::of);
            case "publish-on" -> Mono.just(0).publishOn(Schedulers.parallel()).flatMap(x -> next.get()).map(List::of);
            case "subscribe-on" -> Mono.defer(() -> next.get()).subscribeOn(Schedulers.parallel()).map(List::of);
            case "bounded-elastic" -> Mono.just(0).publishOn(Schedulers.boundedElastic())
                    .flatMap(x -> next.get()).map(List::of);
            case "executor" -> Mono.just(0).publishOn(poolScheduler).flatMap(x -> next.get()).map(List::of);
            case "delay" -> Mono.delay(Duration.ofMillis(2)).flatMap(x -> next.get()).map(List::of);
            case "delay-elements" -> Flux.range(0, 2).delayElements(Duration.ofMillis(1))
                    .concatMap(i -> next.get()).collectList();
            case "flatmap" -> Flux.range(0, 3).flatMap(i -> next.get(), 3).collectList();
            case "zip" -> Mono.zip(next.get(), next.get()).map(t -> List.of(t.getT1(), t.getT2()));
            case "retry" -> {
                AtomicInteger attempts = new AtomicInteger();
                // the first attempt fails on a timer thread; the retry subscribes again from there
                yield Mono.defer(() -> attempts.getAndIncrement() == 0
                                ? Mono.delay(Duration.ofMillis(1)).then(Mono.<String>error(new IOException("first attempt fails")))
                                : next.get())
                        .retry(2).map(List::of);
            }
            case "blocking" -> logged("blocking", extra, pattern, id).map(List::of);
            // one upstream signal, on a timer thread, delivered to several requests' chains
            case "cache" -> sharedTimer().flatMap(x -> next.get()).map(List::of);
            case "share" -> sharedTicks.next().flatMap(x -> next.get()).map(List::of);
            // the second call is made in the first response's last signal, on an event loop
            case "chained" -> logged(() -> streamed(client, extra), pattern, id)
                    .flatMap(first -> next.get().map(second -> List.of(first, second)));
            default -> Mono.error(new IllegalArgumentException("unknown pattern " + pattern));
        };
    }

    /**
     * One call whose body is collected straight from the client's stream of chunks (with {@code httpclient}: Reactor
     * Netty's own publishers up to the {@code collectList}, no reactor-core source in between).
     */
    private Mono<String> streamed(String client, List<String[]> extra) {
        Flux<String> chunks = switch (client) {
            case "httpclient" -> httpClient.headers(h -> extra.forEach(e -> h.set(e[0], e[1])))
                    .get().uri(echoUrl).responseContent().asString();
            case "blocking" -> call("blocking", extra).flux();
            default -> webClient.get().uri(echoUrl).headers(h -> extra.forEach(e -> h.set(e[0], e[1])))
                    .retrieve().bodyToFlux(String.class);
        };
        return chunks.collectList().map(parts -> String.join("", parts));
    }

    private Mono<Long> sharedTimer() {
        long now = System.nanoTime();
        Mono<Long> timer = sharedTimer.get();
        if (timer == null || now - sharedTimerSince > SHARED_WINDOW_NANOS) {
            timer = Mono.delay(Duration.ofMillis(3)).cache();
            sharedTimer.set(timer);
            sharedTimerSince = now;
        }
        return timer;
    }

    private String blockingGet(List<String[]> extra) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(echoUrl).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout((int) TIMEOUT.toMillis());
        for (String[] e : extra) c.setRequestProperty(e[0], e[1]);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
