package io.graylane.bench;

import io.graylane.core.TraceMap;
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
 * The traceId -> label map at its default size (100000 entries, 60 s): record a traceparent, and look one up.
 * 65536 distinct trace ids, all recorded before measuring, so look-ups hit. {@code random}: trace ids as
 * tracers make them; {@code sequential}: ids that differ only in their last digits (counters, time-based ids).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TraceMapBenchmark {

    private static final int TRACES = 1 << 16;

    @Param({"random", "sequential"})
    public String ids;

    private TraceMap map;
    private String[] traceparents;
    private int next;

    @Setup
    public void setUp() {
        map = new TraceMap(100_000, 60_000);
        traceparents = new String[TRACES];
        for (int n = 0; n < TRACES; n++) {
            traceparents[n] = ids.equals("random") ? BenchSetup.traceparent(n) : BenchSetup.sequentialTraceparent(n);
            map.put("traceparent", traceparents[n], BenchSetup.LABEL);
        }
    }

    @Benchmark
    public void put() {
        map.put("traceparent", traceparents[next++ & (TRACES - 1)], BenchSetup.LABEL);
    }

    @Benchmark
    public String get() {
        return map.get("traceparent", traceparents[next++ & (TRACES - 1)]);
    }
}
