package io.graylane.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How the sample services are started (their command-line contract), and the names the tests share. */
final class SampleApps {

    /** graylane.label.header's default. */
    static final String LABEL = "x-asm-traffic-tag";
    static final String REQUEST_ID = "x-request-id";
    /** What ASM_TRAFFIC_TAG is set to for every front started with the agent. */
    static final String FRONT_LANE = "front-lane";

    /** Every outbound client the front can call the backend with ({@code /call/{client}}). */
    static final List<String> CLIENTS = List.of(
            "okhttp", "okhttp-async", "url-connection", "java-http", "java-http-async", "apache4", "apache5");

    /** What reviews prints once it listens. */
    static final String REVIEWS_READY = "[reviews] listening on ";

    private SampleApps() {
    }

    /** {@code graylane-backend.jar PORT [NEXT_URL]}: javax servlet on Tomcat 9, /echo calls NEXT_URL/echo first. */
    static AgentJvm.Builder backend(String name, String nextUrl) {
        AgentJvm.Builder builder = AgentJvm.builder(name, Artifacts.backendJar());
        builder.args(Integer.toString(builder.port()));
        if (nextUrl != null) {
            builder.args(nextUrl);
        }
        return builder;
    }

    /**
     * {@code graylane-webflux.jar PORT NEXT_URL}: Spring Boot 4 WebFlux on Reactor Netty; /echo (annotated) and
     * /fn/echo (functional) call NEXT_URL/echo through a reactive pattern ({@code ?pattern=} or header
     * {@code x-pattern}) with a client ({@code ?client=webclient|httpclient|blocking}). Spring Boot starts slowly on a
     * busy machine, hence the longer wait.
     */
    static AgentJvm.Builder webflux(String name, String nextUrl) {
        return webflux(name, Artifacts.webfluxJar(), nextUrl);
    }

    /** The same WebFlux sample built on the Spring Boot 3 line: Reactor Netty 1.2, reactor-core 3.7. */
    static AgentJvm.Builder webfluxBoot3(String name, String nextUrl) {
        return webflux(name, Artifacts.webfluxBoot3Jar(), nextUrl);
    }

    /** The same WebFlux sample built on the Spring Boot 2.7 line: Reactor Netty 1.0, reactor-core 3.4. */
    static AgentJvm.Builder webfluxBoot2(String name, String nextUrl) {
        return webflux(name, Artifacts.webfluxBoot2Jar(), nextUrl);
    }

    /**
     * {@code graylane-gateway.jar PORT TARGET_URL}: Spring Cloud Gateway (server-webflux, Spring Boot 4) routing every
     * path but its own /health to TARGET_URL.
     */
    static AgentJvm.Builder gateway(String name, String targetUrl) {
        return webflux(name, Artifacts.gatewayJar(), targetUrl);
    }

    /** The same gateway on Spring Boot 3.5: Spring Cloud Gateway 4.3, Reactor Netty 1.2, reactor-core 3.7. */
    static AgentJvm.Builder gatewayBoot3(String name, String targetUrl) {
        return webflux(name, Artifacts.gatewayBoot3Jar(), targetUrl);
    }

    /** The same gateway on Spring Boot 2.7: Spring Cloud Gateway 3.1, Reactor Netty 1.0, reactor-core 3.4. */
    static AgentJvm.Builder gatewayBoot2(String name, String targetUrl) {
        return webflux(name, Artifacts.gatewayBoot2Jar(), targetUrl);
    }

    private static AgentJvm.Builder webflux(String name, java.nio.file.Path jar, String nextUrl) {
        AgentJvm.Builder builder = AgentJvm.builder(name, jar);
        return builder.args(Integer.toString(builder.port()), nextUrl).startupTimeout(java.time.Duration.ofMinutes(3));
    }

    /** What the ratings provider prints once its service is exported (and registered). */
    static final String RATINGS_READY = "[ratings] ready";
    /** Dubbo 2.7's bytecode generation (javassist 3.23) needs this on JDK 17+; harmless for 3.x. */
    static final String DUBBO_OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    /**
     * {@code graylane-ratings.jar PORT BACKEND_URL PROTOCOL [REGISTRY]}: the Dubbo provider, answering with the
     * attachments it received and BACKEND_URL/echo's answer. Reachable at {@code PROTOCOL://127.0.0.1:PORT}.
     */
    static AgentJvm.Builder ratings(String name, String backendUrl, String protocol, String registry) {
        return ratingsArgs(AgentJvm.builder(name, Artifacts.ratingsJar()), backendUrl, protocol, registry);
    }

    /** The same ratings classes on another Dubbo line ({@code "27"}, {@code "32"}; {@code -cp}), no registry. */
    static AgentJvm.Builder ratingsOn(String line, String name, String backendUrl, String protocol) {
        return ratingsOn(line, name, backendUrl, protocol, null);
    }

    /** The same, registered in REGISTRY ({@code zookeeper://...}; null: none). */
    static AgentJvm.Builder ratingsOn(String line, String name, String backendUrl, String protocol, String registry) {
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, Artifacts.dubboClassPath(line),
                "io.graylane.samples.RatingsApp").jvmOptions(DUBBO_OPENS);
        return ratingsArgs(builder, backendUrl, protocol, registry);
    }

    private static AgentJvm.Builder ratingsArgs(AgentJvm.Builder builder, String backendUrl, String protocol,
                                                String registry) {
        builder.readyWhenLogShows(RATINGS_READY).args(Integer.toString(builder.port()), backendUrl, protocol);
        if (registry != null) {
            builder.args(registry);
        }
        return builder;
    }

    /** The address a consumer reaches a ratings provider at without a registry. */
    static String directUrl(String protocol, AgentJvm.Builder ratings) {
        return protocol + "://127.0.0.1:" + ratings.port();
    }

    /**
     * {@code graylane-dubbo-front.jar PORT BACKEND_URL NAME=TARGET...}: Tomcat 9 (javax servlet), /call/NAME calls
     * ratings through TARGET (a direct URL or {@code zookeeper://...?protocol=...}).
     */
    static AgentJvm.Builder dubboFront(String name, String backendUrl, String... targets) {
        AgentJvm.Builder builder = AgentJvm.builder(name, Artifacts.dubboFrontJar());
        return builder.args(Integer.toString(builder.port()), backendUrl).args(targets);
    }

    /** The same dubbo-front classes on another Dubbo line ({@code "27"}, {@code "32"}; {@code -cp}). */
    static AgentJvm.Builder dubboFrontOn(String line, String name, String backendUrl, String... targets) {
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, Artifacts.dubboClassPath(line),
                "io.graylane.samples.DubboFrontApp").jvmOptions(DUBBO_OPENS);
        return builder.args(Integer.toString(builder.port()), backendUrl).args(targets);
    }

    /** {@code graylane-front.jar PORT BACKEND_URL}: jakarta servlet on Jetty 12, /call/{client} calls BACKEND_URL/echo. */
    static AgentJvm.Builder front(String name, String backendUrl) {
        AgentJvm.Builder builder = AgentJvm.builder(name, Artifacts.frontJar());
        return builder.args(Integer.toString(builder.port()), backendUrl);
    }

    /** The front with {@code REVIEWS_HOST:PORT}: /call/grpc* call reviews over gRPC. */
    static AgentJvm.Builder front(String name, String backendUrl, String reviewsAddress) {
        return front(name, backendUrl).args(reviewsAddress);
    }

    /** {@code graylane-reviews.jar PORT NEXT}: gRPC; NEXT is http://... (a backend) or grpc://host:port (reviews). */
    static AgentJvm.Builder reviews(String name, String next) {
        AgentJvm.Builder builder = AgentJvm.builder(name, Artifacts.reviewsJar());
        return builder.args(Integer.toString(builder.port()), next).readyWhenLogShows(REVIEWS_READY);
    }

    /**
     * {@code graylane-reviews-dubbo.jar PORT NEXT}: reviews whose NEXT may also be ratings over Dubbo, a direct URL
     * ({@code dubbo://...}, {@code tri://...}, see {@link #directUrl}) or {@code zookeeper://HOST:PORT?protocol=...}.
     */
    static AgentJvm.Builder reviewsDubbo(String name, String next) {
        AgentJvm.Builder builder = AgentJvm.builder(name, Artifacts.reviewsDubboJar());
        return builder.args(Integer.toString(builder.port()), next).readyWhenLogShows(REVIEWS_READY);
    }

    /**
     * A front argument {@code NAME=HOST:PORT}: the front's /call/grpc*{@code ?reviews=NAME} calls that reviews (see
     * {@link #front(String, String, String)} for the one called without the parameter).
     */
    static String namedReviews(String name, AgentJvm.Builder reviews) {
        return name + "=" + reviews.address();
    }

    /**
     * The coexist sample ({@code -cp}, see {@link Artifacts#coexistClassPath()}): {@code CoexistApp PORT BACKEND_URL},
     * Jetty 12; /bytebuddy and /ttl/{hop} call BACKEND_URL/echo. The common pool gets parallelism 2 whatever the
     * machine: below that, CompletableFuture.supplyAsync starts a thread per task instead of using the pool.
     */
    static AgentJvm.Builder coexist(String name, String backendUrl) {
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, Artifacts.coexistClassPath(),
                "io.graylane.samples.coexist.CoexistApp");
        return builder.args(Integer.toString(builder.port()), backendUrl)
                .systemProperty("java.util.concurrent.ForkJoinPool.common.parallelism", "2");
    }

    /** Reviews from its classes on {@code libraries} (another gRPC version) instead of its own jar. */
    static AgentJvm.Builder reviewsOn(String name, String next, List<Path> libraries) {
        List<Path> classpath = new ArrayList<>();
        classpath.add(Artifacts.sampleAppsClasses());
        classpath.addAll(libraries);
        AgentJvm.Builder builder = AgentJvm.classpathBuilder(name, classpath, "io.graylane.samples.ReviewsApp");
        return builder.args(Integer.toString(builder.port()), next).readyWhenLogShows(REVIEWS_READY);
    }
}
