package io.graylane.samples.gateway;

import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Spring Cloud Gateway in front of the next service: {@code java -jar graylane-gateway.jar PORT TARGET_URL}. Every path
 * is routed to TARGET_URL (path and query kept, the request's headers passed on as Spring Cloud Gateway does); only
 * {@code GET /health} is answered by the gateway itself.
 */
@SpringBootApplication
public class GatewayApp {

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: java -jar graylane-gateway.jar PORT TARGET_URL");
            System.exit(2);
        }
        SpringApplication app = new SpringApplication(GatewayApp.class);
        app.setDefaultProperties(Map.of("server.port", args[0], "server.address", "127.0.0.1",
                "graylane.sample.target-url", args[1].replaceAll("/+$", "")));
        app.run(args);
        System.out.println("[gateway] listening on 127.0.0.1:" + args[0] + " -> " + args[1]);
    }

    @Bean
    RouteLocator routes(RouteLocatorBuilder routes, Environment env) {
        String target = env.getRequiredProperty("graylane.sample.target-url");
        return routes.routes().route("next", r -> r.path("/**").uri(target)).build();
    }

    /** Ahead of the gateway's own handler mapping: the gateway's health, not the next service's. */
    @Bean
    RouterFunction<ServerResponse> health() {
        return RouterFunctions.route().GET("/health", request -> ServerResponse.ok().bodyValue("ok")).build();
    }
}
