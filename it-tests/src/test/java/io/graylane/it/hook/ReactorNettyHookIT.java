package io.graylane.it.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * Reactor Netty and reactor-core, one version pair per hook-reactor* execution (Reactor Netty 1.0 to 1.3, reactor-core
 * 3.4 to 3.8: the lines Spring Boot 2.7 to 4 do not cover in the end-to-end tests, and the oldest of each): the
 * {@code reactor-netty} hooks (client and server) and the {@code reactor} hooks (operators and schedulers), without
 * Spring. Each way builds a chain that hops threads its own way around one Reactor Netty {@code HttpClient} call and
 * blocks on it; the same ways run inside a Reactor Netty {@code HttpServer} of this JVM. Compiled against the oldest
 * version (1.0.0 with reactor-core 3.4.0).
 */
class ReactorNettyHookIT extends HookTest {

    /** Set by each hook-reactor* execution: the reactor-core version its class path holds. */
    static final String REACTOR_CORE_PROPERTY = "graylane.it.reactor-core-version";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final reactor.netty.http.client.HttpClient client = reactor.netty.http.client.HttpClient.create();
    /** The cached timer of way {@code cache}: one signal, on a timer thread, for whoever subscribes first. */
    private final Mono<Long> cachedTimer = Mono.delay(Duration.ofMillis(3)).cache();
    private final HttpClient testClient = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private DisposableServer server;

    @BeforeAll
    void startServer() {
        // the request's context is current while the handler assembles and subscribes its chain
        server = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> {
                    Map<String, List<String>> query = new QueryStringDecoder(request.uri()).parameters();
                    return response.sendString(chain(query.get("way").get(0), query.get("target").get(0), null));
                })
                .bindNow(TIMEOUT);
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.disposeNow(TIMEOUT);
        }
    }

    @Override
    String library() {
        return "reactor-netty";
    }

    @Override
    String versionOnClassPath() {
        return reactor.netty.http.client.HttpClient.class.getPackage().getImplementationVersion();
    }

    @Override
    List<String> classFiles() {
        return List.of("reactor/netty/http/client/HttpClient.class", "reactor/core/publisher/Flux.class",
                "io/netty/channel/Channel.class");
    }

    @Override
    List<String> ways() {
        return List.of("direct", "publish-on", "subscribe-on", "delay", "flatmap", "zip", "then", "first", "retry", "cache",
                "blocking");
    }

    @Override
    String get(String way, String url, String appLabel) {
        return chain(way, url, appLabel).block(TIMEOUT);
    }

    @Test
    void reactorCoreOnTheClassPathIsTheExpectedVersion() {
        String expected = System.getProperty(REACTOR_CORE_PROPERTY);
        assertEquals(expected, Flux.class.getPackage().getImplementationVersion(),
                "the failsafe execution for " + libraryAndVersion() + " has another reactor-core on its class path");
    }

    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void throughAReactorNettyServerItsLabelAndRequestIdAreSentOnce(String lib, String way) throws Exception {
        String path = backend.newPath();
        String label = "lane-" + UUID.randomUUID().toString().substring(0, 8);
        String requestId = UUID.randomUUID().toString();
        URI uri = URI.create("http://127.0.0.1:" + server.port() + "/run?way=" + way + "&target="
                + URLEncoder.encode(backend.url(path), StandardCharsets.UTF_8));

        HttpResponse<String> response = testClient.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header(LABEL, label).header(REQUEST_ID, requestId).build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode(), () -> lib + ", " + way + ": " + response.body());
        Map<String, List<String>> received = backend.received(path);
        assertEquals(List.of(label), received.getOrDefault(LABEL, List.of()),
                () -> lib + ", " + way + " inside a Reactor Netty server request: " + received);
        assertEquals(List.of(requestId), received.getOrDefault(REQUEST_ID, List.of()),
                () -> lib + ", " + way + " inside a Reactor Netty server request: " + received);
    }

    /**
     * HTTP/2 without TLS (h2c with prior knowledge), where a request is a stream of a shared connection: made inside
     * an inbound request, it carries that request's label and request id once, as an HTTP/1.1 request does.
     */
    @Test
    void overHttp2ARequestCarriesItsLabelAndRequestIdOnce() throws Exception {
        DisposableServer h2c = HttpServer.create().host("127.0.0.1").port(0).protocol(HttpProtocol.H2C)
                .handle((request, response) -> response.sendString(Mono.just(
                        request.requestHeaders().getAll(LABEL) + " " + request.requestHeaders().getAll(REQUEST_ID))))
                .bindNow(TIMEOUT);
        try {
            reactor.netty.http.client.HttpClient http2 = reactor.netty.http.client.HttpClient.create()
                    .protocol(HttpProtocol.H2C);
            String label = "lane-" + UUID.randomUUID().toString().substring(0, 8);
            String requestId = UUID.randomUUID().toString();

            String seen = inbound.serve(() -> http2.get().uri("http://127.0.0.1:" + h2c.port() + "/")
                    .responseContent().aggregate().asString().block(TIMEOUT), LABEL, label, REQUEST_ID, requestId);

            assertEquals("[" + label + "] [" + requestId + "]", seen, libraryAndVersion()
                    + ": the label and request id an h2c server received ([label] [request id])");
        } finally {
            h2c.disposeNow(TIMEOUT);
        }
    }

    /** One call to {@code url} through {@code way}; the label header set by the application unless null. */
    private Mono<String> chain(String way, String url, String appLabel) {
        switch (way) {
            case "direct":
                return call(url, appLabel);
            case "publish-on":
                return Mono.just(0).publishOn(Schedulers.parallel()).flatMap(x -> call(url, appLabel));
            case "subscribe-on":
                return Mono.defer(() -> call(url, appLabel)).subscribeOn(Schedulers.parallel());
            case "delay":
                return Mono.delay(Duration.ofMillis(2)).flatMap(x -> call(url, appLabel));
            case "flatmap":
                return Flux.range(0, 2).flatMap(i -> i == 0 ? Mono.delay(Duration.ofMillis(1)).then(Mono.just("-"))
                        : call(url, appLabel), 2).filter(s -> !s.equals("-")).next();
            case "zip":
                return Mono.zip(Mono.delay(Duration.ofMillis(1)), call(url, appLabel)).map(t -> t.getT2());
            case "then":
                // subscribed where the timer completes, on its thread
                return Mono.delay(Duration.ofMillis(1)).then(call(url, appLabel));
            case "first":
                return Mono.firstWithSignal(Mono.<String>never(),
                        Mono.delay(Duration.ofMillis(1)).then(call(url, appLabel)));
            case "retry": {
                int[] attempts = {0};
                // the first attempt fails on a timer thread; the retry subscribes again from there
                return Mono.defer(() -> attempts[0]++ == 0
                                ? Mono.delay(Duration.ofMillis(1)).then(Mono.<String>error(new IOException("first attempt")))
                                : call(url, appLabel))
                        .retry(1);
            }
            case "cache":
                return cachedTimer.flatMap(x -> call(url, appLabel));
            case "blocking":
                return Mono.fromCallable(() -> blockingGet(url, appLabel)).subscribeOn(Schedulers.boundedElastic());
            default:
                return Mono.error(new IllegalArgumentException("unknown way " + way));
        }
    }

    private Mono<String> call(String url, String appLabel) {
        reactor.netty.http.client.HttpClient c = appLabel == null ? client : client.headers(h -> h.set(LABEL, appLabel));
        return c.get().uri(url).responseContent().aggregate().asString();
    }

    private static String blockingGet(String url, String appLabel) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout((int) TIMEOUT.toMillis());
        if (appLabel != null) c.setRequestProperty(LABEL, appLabel);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
