package io.graylane.bench;

import io.graylane.core.InboundRequest;
import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import io.graylane.core.metrics.TrafficCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * What the traffic counters cost on the hot path, with counting on and off ({@code counting}):
 * <ul>
 *   <li>{@code requestWithCall}: the servlet hook's inbound work for one labelled request (read headers, open the
 *   context, close it) plus one outbound call made inside it: two counter increments
 *   (inbound by source, outbound by context)</li>
 *   <li>{@code backgroundCall}: one outbound call outside any request: one increment (64 per invocation)</li>
 * </ul>
 * Run with {@code -t 2} as well: both threads then add to the same counters (LongAdder stripes under contention).
 * On a busy machine, {@code -bm sample} and its median are steadier than the average: a descheduled thread adds
 * milliseconds to an average of nanoseconds, and to only a few samples.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CountingBenchmark {

    private static final int REQUESTS = 1 << 12;
    /** Calls per invocation of {@code backgroundCall}: long enough for {@code -bm sample} to time one invocation. */
    private static final int CALLS = 64;

    @Param({"true", "false"})
    public boolean counting;

    private String[][] values;
    private int next;

    @Setup
    public void setUp() {
        BenchSetup.startGraylane();
        TrafficCounters.setCounting(counting);
        InboundRequest in = BenchSetup.reader();
        values = new String[REQUESTS][];
        for (int n = 0; n < REQUESTS; n++) values[n] = BenchSetup.inboundValues(in, n, true, true);
        in.open().close();
    }

    @Benchmark
    public Object requestWithCall() {
        String[] headers = values[next++ & (REQUESTS - 1)];
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        for (int i = 0; i < in.size(); i++) in.set(i, headers[i]);
        Scope scope = in.open();
        TrafficContext context = Traffic.outbound(Hook.OKHTTP);
        scope.close();
        return context;
    }

    @Benchmark
    @OperationsPerInvocation(CALLS)
    public void backgroundCall(Blackhole calls) {
        for (int i = 0; i < CALLS; i++) calls.consume(Traffic.outbound(Hook.OKHTTP));
    }
}
