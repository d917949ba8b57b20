package io.graylane.bench;

import io.graylane.core.Scope;
import io.graylane.core.concurrent.ContextRunnable;
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

import java.util.concurrent.TimeUnit;

/**
 * graylane's part of a thread hand-off, without the executor: wrap a task at submission and run it (replay the
 * context, run, restore) on the same thread. {@code none}: no context, the task is not wrapped;
 * {@code labelled}: inside a labelled request, the task is wrapped.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TaskWrapBenchmark {

    @Param({"none", "labelled"})
    public String context;

    private Scope scope;
    private int runs;
    private final Runnable task = () -> runs++;

    @Setup
    public void setUp() {
        BenchSetup.startGraylane();
        if (context.equals("labelled")) scope = BenchSetup.openLabelledRequest(7);
    }

    @TearDown
    public void tearDown() {
        if (scope != null) scope.close();
    }

    @Benchmark
    public int wrapAndRun() {
        ContextRunnable.wrap(task).run();
        return runs;
    }
}
