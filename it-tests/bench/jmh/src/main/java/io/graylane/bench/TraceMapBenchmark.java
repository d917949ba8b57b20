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
 * The traceId -> label map at its default size (100000 entries, 60 s): record a trace id, and look one up; {@code
 * header}: a traceparent (a hex id, kept as its own bits) or an x-request-id (a UUID, hashed; sequential ones differ
 * in their last digits).
 * {@code traces} distinct trace ids, recorded before measuring: 65536 fit (look-ups hit), 524288 overfill the map
 * five times (as a busy service's does: every put of a new id evicts one, most look-ups miss). {@code random}:
 * trace ids as tracers make them; {@code sequential}: ids that differ only in their last digits (counters,
 * time-based ids).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TraceMapBenchmark {

    @Param({"random", "sequential"})
    public String ids;

    @Param({"65536", "524288"})
    public int traces;

    @Param({"traceparent", "x-request-id"})
    public String header;

    private TraceMap map;
    private String[] values;
    private int next;

    @Setup
    public void setUp() {
        map = new TraceMap(100_000, 60_000);
        values = new String[traces];
        for (int n = 0; n < traces; n++) {
            boolean random = ids.equals("random");
            if (header.equals("x-request-id")) {
                values[n] = random ? BenchSetup.requestId(n) : BenchSetup.sequentialRequestId(n);
            } else {
                values[n] = random ? BenchSetup.traceparent(n) : BenchSetup.sequentialTraceparent(n);
            }
            map.put(header, values[n], BenchSetup.LABEL);
        }
    }

    @Benchmark
    public void put() {
        map.put(header, values[next++ & (traces - 1)], BenchSetup.LABEL);
    }

    @Benchmark
    public String get() {
        return map.get(header, values[next++ & (traces - 1)]);
    }
}
