package io.graylane.samples;

import java.io.IOException;
import java.util.function.UnaryOperator;

import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The benchmark's floor (configuration {@code manual} of it-tests/bench/run.sh): label and trace headers forwarded by
 * hand, as a careful team would without an agent. On with {@code -Dsamples.manual-propagation=true}: a servlet filter
 * (jakarta on the front, javax on the backend) keeps the headers of the request being served in a ThreadLocal, and an
 * OkHttp interceptor adds those an outbound call lacks. Like graylane, it forwards the same header names, drops a
 * malformed label and sends the service's own lane ({@code ASM_TRAFFIC_TAG}) for a request without one; unlike
 * graylane, it covers one thread and one client only.
 */
final class ManualPropagation {

    static final boolean ENABLED = Boolean.getBoolean("samples.manual-propagation");

    /**
     * With {@code -Dsamples.constant-headers=true} (configuration {@code headers}): every OkHttp call sends three fixed
     * headers, a label, a request id and a traceparent, and nothing is read from the request being served: what
     * sending those headers costs, whatever finds their values.
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

    /** The values of {@link #NAMES} of the request this thread serves (null where absent), or null. */
    private static final ThreadLocal<String[]> CURRENT = new ThreadLocal<>();

    private ManualPropagation() {
    }

    /** Makes the request's headers (one lookup per name) current; returns what was current before. */
    private static String[] enter(UnaryOperator<String> header) {
        String[] values = new String[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) values[i] = header.apply(NAMES[i]);
        if (!isLabel(values[LABEL])) values[LABEL] = LOCAL_LABEL;
        String[] previous = CURRENT.get();
        CURRENT.set(values);
        return previous;
    }

    private static void exit(String[] previous) {
        if (previous == null) CURRENT.remove();
        else CURRENT.set(previous);
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

    /** For the Jetty 12 front. */
    static final class JakartaFilter implements jakarta.servlet.Filter {
        @Override
        public void doFilter(jakarta.servlet.ServletRequest request, jakarta.servlet.ServletResponse response,
                             jakarta.servlet.FilterChain chain) throws IOException, jakarta.servlet.ServletException {
            String[] previous = enter(((jakarta.servlet.http.HttpServletRequest) request)::getHeader);
            try {
                chain.doFilter(request, response);
            } finally {
                exit(previous);
            }
        }
    }

    /** For the Tomcat 9 backend. */
    static final class JavaxFilter implements javax.servlet.Filter {
        @Override
        public void doFilter(javax.servlet.ServletRequest request, javax.servlet.ServletResponse response,
                             javax.servlet.FilterChain chain) throws IOException, javax.servlet.ServletException {
            String[] previous = enter(((javax.servlet.http.HttpServletRequest) request)::getHeader);
            try {
                chain.doFilter(request, response);
            } finally {
                exit(previous);
            }
        }
    }

    /** Adds the current request's headers that the outbound call does not set itself; outside a request, the lane. */
    static final class OkHttpInterceptor implements Interceptor {
        @Override
        public Response intercept(Chain chain) throws IOException {
            Request request = chain.request();
            String[] values = CURRENT.get();
            Request.Builder builder = null;
            if (values == null) {
                if (LOCAL_LABEL != null && request.header(NAMES[LABEL]) == null) {
                    builder = request.newBuilder().header(NAMES[LABEL], LOCAL_LABEL);
                }
            } else {
                for (int i = 0; i < NAMES.length; i++) {
                    if (values[i] == null || request.header(NAMES[i]) != null) continue;
                    if (builder == null) builder = request.newBuilder();
                    builder.header(NAMES[i], values[i]);
                }
            }
            return chain.proceed(builder == null ? request : builder.build());
        }
    }

    /** {@link #CONSTANT_HEADERS}'s interceptor. */
    static final class ConstantHeaders implements Interceptor {
        @Override
        public Response intercept(Chain chain) throws IOException {
            return chain.proceed(chain.request().newBuilder().header(NAMES[LABEL], "dev-x")
                    .header("x-request-id", "constant").header("traceparent", CONSTANT_TRACEPARENT).build());
        }
    }
}
