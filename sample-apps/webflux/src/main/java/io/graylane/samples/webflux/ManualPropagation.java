package io.graylane.samples.webflux;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.WebFilter;
import reactor.core.publisher.Mono;

/**
 * The benchmark's floor for the WebFlux chain (configuration {@code manual} of it-tests/bench/run.sh): label and trace
 * headers forwarded by hand, the way a careful reactive team would without an agent. On with
 * {@code -Dsamples.manual-propagation=true}: a {@code WebFilter} reads the request's headers and puts them into the
 * chain's Reactor context, and a {@code WebClient} filter adds those an outbound call lacks. Like graylane, it forwards
 * the same header names, drops a malformed label and sends the service's own lane ({@code ASM_TRAFFIC_TAG}) for a
 * request without one; unlike graylane, it covers WebClient only.
 */
final class ManualPropagation {

    static final boolean ENABLED = Boolean.getBoolean("samples.manual-propagation");

    /**
     * With {@code -Dsamples.constant-headers=true} (configuration {@code headers}): every {@code WebClient} call sends
     * three fixed headers, a label, a request id and a traceparent, and nothing is read from the request being served:
     * what sending those headers costs, whatever finds their values.
     */
    static final boolean CONSTANT_HEADERS = Boolean.getBoolean("samples.constant-headers");
    private static final String CONSTANT_TRACEPARENT = "00-00000000000000000000000000000001-0000000000000001-01";

    /** graylane's default label header and {@code graylane.trace.headers}. */
    private static final String[] NAMES = {"x-asm-traffic-tag", "x-request-id", "traceparent", "tracestate", "baggage",
            "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled", "x-b3-flags", "x-ot-span-context",
            "x-cloud-trace-context", "grpc-trace-bin"};
    private static final int LABEL = 0;
    private static final int MAX_LABEL_LENGTH = 128;
    private static final String LOCAL_LABEL = System.getenv("ASM_TRAFFIC_TAG");
    /** The Reactor context key of the values of {@link #NAMES} of the request being served. */
    private static final Object KEY = ManualPropagation.class;

    private ManualPropagation() {
    }

    /** Puts the request's headers (one lookup per name) into its chain's Reactor context. */
    static WebFilter webFilter() {
        return (exchange, chain) -> {
            HttpHeaders headers = exchange.getRequest().getHeaders();
            String[] values = new String[NAMES.length];
            for (int i = 0; i < NAMES.length; i++) values[i] = headers.getFirst(NAMES[i]);
            if (!isLabel(values[LABEL])) values[LABEL] = LOCAL_LABEL;
            return chain.filter(exchange).contextWrite(context -> context.put(KEY, values));
        };
    }

    /** Adds the headers of the request being served that the call does not set itself; outside a request, the lane. */
    static ExchangeFilterFunction clientFilter() {
        return (request, next) -> Mono.deferContextual(context -> {
            String[] values = context.getOrDefault(KEY, null);
            HttpHeaders headers = request.headers();
            ClientRequest.Builder builder = null;
            if (values == null) {
                if (LOCAL_LABEL != null && headers.getFirst(NAMES[LABEL]) == null) {
                    builder = ClientRequest.from(request).header(NAMES[LABEL], LOCAL_LABEL);
                }
            } else {
                for (int i = 0; i < NAMES.length; i++) {
                    if (values[i] == null || headers.getFirst(NAMES[i]) != null) continue;
                    if (builder == null) builder = ClientRequest.from(request);
                    builder.header(NAMES[i], values[i]);
                }
            }
            return next.exchange(builder == null ? request : builder.build());
        });
    }

    /** {@link #CONSTANT_HEADERS}'s headers, set on the client once. */
    static WebClient.Builder constantHeaders(WebClient.Builder builder) {
        return builder.defaultHeaders(headers -> {
            headers.set(NAMES[LABEL], "dev-x");
            headers.set("x-request-id", "constant");
            headers.set("traceparent", CONSTANT_TRACEPARENT);
        });
    }

    /** A letter or digit, then letters, digits, '.', '_' and '-', 128 at most (graylane's default label rule). */
    private static boolean isLabel(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LABEL_LENGTH) return false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (i > 0 && (c == '.' || c == '_' || c == '-'));
            if (!ok) return false;
        }
        return true;
    }
}
