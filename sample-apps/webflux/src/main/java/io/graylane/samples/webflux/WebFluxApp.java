package io.graylane.samples.webflux;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.WebFilter;

/**
 * WebFlux service on Reactor Netty (Spring Boot 4): {@code java -jar graylane-webflux.jar PORT NEXT_URL}.
 * <ul>
 *   <li>{@code GET /health} -> ok</li>
 *   <li>{@code GET /echo[?pattern=P][&client=C][&set-header=NAME:VALUE...]} (annotated controller) and
 *   {@code GET /fn/echo} (functional route, same parameters) -> calls NEXT_URL/echo through pattern P (also taken
 *   from the request header {@code x-pattern}, so a front can choose it) with client C, and answers
 *   {@code {"service":"webflux","via":..,"pattern":..,"headers":{what it received},"calls":[each answer],
 *   "downstream":first answer}}. Patterns: {@link Calls#PATTERNS}; clients: {@code webclient} (default),
 *   {@code httpclient} (Reactor Netty's own), {@code blocking} (HttpURLConnection on boundedElastic).</li>
 *   <li>{@code GET /background[?client=C]} -> the same call, made by a thread that serves no request.</li>
 * </ul>
 * With {@code --logging.level.sample.mdc=INFO} it logs each call where it is made and answered ({@link Calls}) and,
 * outside any request, a tick on its event loops and Reactor's schedulers ({@link Ticks}). With
 * {@code -Dsamples.manual-propagation=true} it forwards the label and trace headers by hand ({@link ManualPropagation}).
 */
@SpringBootApplication
public class WebFluxApp {

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: java -jar graylane-webflux.jar PORT NEXT_URL");
            System.exit(2);
        }
        SpringApplication app = new SpringApplication(WebFluxApp.class);
        app.setDefaultProperties(Map.of("server.port", args[0], "server.address", "127.0.0.1",
                "graylane.sample.next-url", args[1].replaceAll("/+$", "")));
        app.run(args);
        Ticks.start();
        System.out.println("[webflux] listening on 127.0.0.1:" + args[0] + " -> " + args[1]);
    }

    @Bean
    Calls calls(org.springframework.core.env.Environment env) {
        return new Calls(env.getProperty("graylane.sample.next-url") + "/echo");
    }

    @Bean
    BackgroundCaller backgroundCaller(Calls calls) {
        return new BackgroundCaller(calls);
    }

    /** The benchmark's hand-written forwarding: only with {@code -Dsamples.manual-propagation=true}. */
    @Bean
    @ConditionalOnProperty(name = "samples.manual-propagation", havingValue = "true")
    WebFilter manualPropagation() {
        return ManualPropagation.webFilter();
    }

    @Bean
    RouterFunction<ServerResponse> functionalRoutes(Calls calls) {
        return RouterFunctions.route()
                .GET("/fn/echo", request -> EchoController.echo(calls, "functional", request.exchange().getRequest())
                        .flatMap(json -> ServerResponse.ok().contentType(EchoController.JSON).bodyValue(json)))
                .build();
    }
}
