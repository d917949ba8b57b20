package io.graylane.bench;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.hook.Hook;

import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

/** What the benchmarks share: graylane started as the load test runs it, and the headers of realistic requests. */
final class BenchSetup {

    static final String LOCAL_LABEL = "base";
    static final String LABEL = "dev-x";

    private BenchSetup() {}

    /**
     * Starts graylane with its defaults and local lane {@value #LOCAL_LABEL}, unless the agent
     * attached to this JVM already did. Returns true when the agent had started it.
     */
    static boolean startGraylane() {
        if (Traffic.config() != null) return true;
        Traffic.start(ConfigLoader.load(null, Map.of(), Map.of("ASM_TRAFFIC_TAG", LOCAL_LABEL)));
        return false;
    }

    /**
     * A W3C traceparent for request {@code n}: a random-looking trace id (as tracers make them; the same for the
     * same {@code n}), unique for each {@code n}.
     */
    static String traceparent(long n) {
        SplittableRandom random = new SplittableRandom(n);
        return String.format(Locale.ROOT, "00-%016x%016x-00f067aa0ba902b7-01", random.nextLong(), random.nextLong());
    }

    /** A traceparent whose trace id is {@code n} itself: ids that differ only in their last digits. */
    static String sequentialTraceparent(long n) {
        return String.format(Locale.ROOT, "00-4bf92f3577b34da6%016x-00f067aa0ba902b7-01", n);
    }

    /** An x-request-id for request {@code n}: a random-looking UUID, as proxies such as Envoy make them. */
    static String requestId(long n) {
        SplittableRandom random = new SplittableRandom(~n);
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** An x-request-id that is {@code n} itself (a counter in UUID form): ids that differ only in their last digits. */
    static String sequentialRequestId(long n) {
        return String.format(Locale.ROOT, "00000000-0000-4000-8000-%012x", n);
    }

    /**
     * The values an inbound hook would read for one request ({@code in.name(i)} -> value), for a request that
     * carries an x-request-id and a traceparent, and the label header when {@code labelled}.
     */
    static String[] inboundValues(InboundRequest in, long n, boolean traced, boolean labelled) {
        String[] values = new String[in.size()];
        for (int i = 0; i < values.length; i++) {
            switch (in.name(i)) {
                case "x-asm-traffic-tag": values[i] = labelled ? LABEL : null; break;
                case "x-request-id": values[i] = traced ? requestId(n) : null; break;
                case "traceparent": values[i] = traced ? traceparent(n) : null; break;
                default: values[i] = null;
            }
        }
        return values;
    }

    /** The header names an inbound hook reads, in order (asked of a throw-away reader, which is then closed). */
    static InboundRequest reader() {
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        if (in == null) throw new IllegalStateException("graylane is not started or this thread is inside a request");
        return in;
    }

    /** Opens a labelled request context on this thread, as the servlet hook does; close the scope when done. */
    static Scope openLabelledRequest(long n) {
        InboundRequest in = reader();
        String[] values = inboundValues(in, n, true, true);
        for (int i = 0; i < values.length; i++) in.set(i, values[i]);
        return in.open();
    }
}
