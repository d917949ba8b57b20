package io.graylane.bench;

import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * What an outbound hook (OkHttp's newCall advice) does per call: take the context to send, run the trace-map
 * look-ups of the background context, and check each entry against the headers the call already has.
 * The call is a small array-backed header list searched like OkHttp's (linear, case-insensitive).
 * <ul>
 *   <li>{@code request}: inside a labelled request with x-request-id and traceparent (3 entries to add)</li>
 *   <li>{@code background}: no request on the thread; the local lane is added, 3 trace-map look-ups miss</li>
 *   <li>{@code background-mapped}: no request, but the call carries a traceparent whose label was recorded</li>
 * </ul>
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OutboundBenchmark {

    @Param({"request", "background", "background-mapped"})
    public String context;

    private String[] callHeaders;
    private Scope scope;

    @Setup
    public void setUp() {
        BenchSetup.startGraylane();
        long traceNumber = 42;
        if (context.equals("request")) {
            scope = BenchSetup.openLabelledRequest(traceNumber);
            callHeaders = new String[] {"user-agent", "bench", "accept", "*/*"};
        } else {
            // an earlier labelled request recorded trace 42 -> dev-x
            BenchSetup.openLabelledRequest(traceNumber).close();
            String traceparent = context.equals("background-mapped")
                    ? BenchSetup.traceparent(traceNumber) : BenchSetup.traceparent(traceNumber + 1);
            callHeaders = new String[] {"user-agent", "bench", "accept", "*/*", "traceparent", traceparent};
        }
    }

    @TearDown
    public void tearDown() {
        if (scope != null) scope.close();
    }

    @Benchmark
    public void headersToAdd(Blackhole added) {
        TrafficContext c = Traffic.outbound(Hook.OKHTTP);
        for (int i = 0; c != null && i < c.lookups(); i++) {
            c = c.lookup(i, header(c.lookupName(i)));
        }
        for (int i = 0; c != null && i < c.size(); i++) {
            if (header(c.name(i)) == null) {
                added.consume(c.name(i));
                added.consume(c.value(i));
            }
        }
    }

    private String header(String name) {
        String[] h = callHeaders;
        for (int i = 0; i < h.length; i += 2) {
            if (h[i].equalsIgnoreCase(name)) return h[i + 1];
        }
        return null;
    }
}
