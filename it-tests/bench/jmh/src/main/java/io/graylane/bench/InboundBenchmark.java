package io.graylane.bench;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What the servlet hook does per inbound request: ask for the reader, hand it the request's header values,
 * open the context (label resolution, trace headers, trace-map record) and close it.
 * Requests cycle through 65536 distinct, random-looking trace and request ids, so the trace map sees new keys
 * as in production.
 * <ul>
 *   <li>{@code bare}: no graylane headers at all (the thread gets the background context, nothing is allocated)</li>
 *   <li>{@code trace-only}: x-request-id and traceparent, no label (the local lane applies)</li>
 *   <li>{@code labelled}: x-request-id, traceparent and x-asm-traffic-tag (recorded in the trace map)</li>
 * </ul>
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InboundBenchmark {

    private static final int REQUESTS = 1 << 16;

    @Param({"bare", "trace-only", "labelled"})
    public String request;

    private String[][] values;
    private int next;

    @Setup
    public void setUp() {
        BenchSetup.startGraylane();
        InboundRequest in = BenchSetup.reader();
        boolean traced = !request.equals("bare");
        boolean labelled = request.equals("labelled");
        values = new String[REQUESTS][];
        for (int n = 0; n < REQUESTS; n++) values[n] = BenchSetup.inboundValues(in, n, traced, labelled);
        in.open().close();
    }

    @Benchmark
    public Object openClose() {
        String[] headers = values[next++ & (REQUESTS - 1)];
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        for (int i = 0; i < in.size(); i++) in.set(i, headers[i]);
        Scope scope = in.open();
        Object context = Traffic.current();
        scope.close();
        return context;
    }
}
