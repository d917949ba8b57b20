package io.graylane.samples.webflux;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** The annotated endpoints; the functional route shares {@link #echo}. */
@RestController
class EchoController {

    static final MediaType JSON = MediaType.APPLICATION_JSON;

    private final Calls calls;
    private final BackgroundCaller background;

    EchoController(Calls calls, BackgroundCaller background) {
        this.calls = calls;
        this.background = background;
    }

    @GetMapping("/health")
    Mono<String> health() {
        return Mono.just("ok");
    }

    @GetMapping("/echo")
    Mono<ResponseEntity<String>> echo(ServerHttpRequest request) {
        return echo(calls, "annotated", request).map(json -> ResponseEntity.ok().contentType(JSON).body(json))
                // in the log too: a shadow copy's answer goes nowhere else
                .doOnError(e -> System.out.println("[webflux] /echo x-request-id="
                        + request.getHeaders().getFirst("x-request-id") + " failed: " + e));
    }

    @GetMapping("/background")
    Mono<ResponseEntity<String>> background(ServerHttpRequest request) {
        String client = request.getQueryParams().getFirst("client");
        return Mono.fromFuture(background.call(client == null ? "webclient" : client))
                .map(answer -> ResponseEntity.ok().contentType(JSON)
                        .body(answer("annotated", "background", received(request), List.of(answer))))
                .onErrorResume(e -> Mono.just(ResponseEntity.status(502).body(String.valueOf(e))));
    }

    static Mono<String> echo(Calls calls, String via, ServerHttpRequest request) {
        String pattern = request.getQueryParams().getFirst("pattern");
        if (pattern == null) pattern = request.getHeaders().getFirst("x-pattern");
        if (pattern == null) pattern = "direct";
        String client = request.getQueryParams().getFirst("client");
        List<String[]> extra = new ArrayList<>();
        for (String h : request.getQueryParams().getOrDefault("set-header", List.of())) {
            int colon = h.indexOf(':');
            if (colon > 0) extra.add(new String[] {h.substring(0, colon), h.substring(colon + 1)});
        }
        String p = pattern;
        String received = received(request);
        return calls.run(p, client == null ? "webclient" : client, extra, request.getHeaders().getFirst("x-request-id"))
                .map(answers -> answer(via, p, received, answers));
    }

    /** The request's headers as {"name":["value",...]} with lower-case names. */
    static String received(ServerHttpRequest request) {
        Map<String, List<String>> headers = new TreeMap<>();
        request.getHeaders().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        StringBuilder b = new StringBuilder("{");
        headers.forEach((name, values) -> {
            if (b.length() > 1) b.append(',');
            b.append(quote(name)).append(":[");
            for (int i = 0; i < values.size(); i++) b.append(i == 0 ? "" : ",").append(quote(values.get(i)));
            b.append(']');
        });
        return b.append('}').toString();
    }

    static String answer(String via, String pattern, String received, List<String> answers) {
        StringBuilder b = new StringBuilder("{\"service\":\"webflux\",\"via\":").append(quote(via))
                .append(",\"pattern\":").append(quote(pattern)).append(",\"headers\":").append(received)
                .append(",\"calls\":[");
        for (int i = 0; i < answers.size(); i++) b.append(i == 0 ? "" : ",").append(answers.get(i));
        b.append(']');
        if (!answers.isEmpty()) b.append(",\"downstream\":").append(answers.get(0));
        return b.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
