package io.graylane.bench;

import io.graylane.core.Scope;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ThreadPoolExecutor.submit} of a trivial task and its run on the pool's one worker, in batches of
 * {@value #BATCH} (the last future is awaited; the worker runs them in order). This class runs in a JVM
 * without an agent; {@link ThreadPoolWithAgentBenchmark} runs the same code with the real agent attached,
 * where submission wraps each task (when there is a context) and the worker replays and restores it.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ThreadPoolBenchmark {

    static final int BATCH = 64;

    /** {@code none}: the submitting thread serves no request; {@code labelled}: it is inside a labelled request. */
    @Param({"none", "labelled"})
    public String context;

    private ThreadPoolExecutor pool;
    private Scope scope;
    private final Runnable task = () -> { };

    @Setup
    public void setUp() throws Exception {
        boolean agent = BenchSetup.startGraylane();
        if (agent != expectsAgent()) {
            throw new IllegalStateException(expectsAgent()
                    ? "the graylane agent is not attached: run from the repository root after the build (see it-tests/bench/jmh.sh)"
                    : "unexpected: graylane was started before the benchmark");
        }
        pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
        if (context.equals("labelled")) scope = BenchSetup.openLabelledRequest(9);
        checkPropagation();
    }

    /** With the agent, a labelled submitter's context must reach the worker; otherwise nothing reaches it. */
    private void checkPropagation() throws Exception {
        TrafficContext submitted = Traffic.current();
        AtomicReference<TrafficContext> seen = new AtomicReference<>();
        pool.submit(() -> seen.set(Traffic.current())).get();
        TrafficContext expected = expectsAgent() ? submitted : null;
        if (seen.get() != expected) {
            throw new IllegalStateException("worker saw context " + seen.get() + ", expected " + expected);
        }
    }

    boolean expectsAgent() {
        return false;
    }

    @TearDown
    public void tearDown() {
        if (scope != null) scope.close();
        pool.shutdownNow();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object submitAndRun() throws Exception {
        Future<?> last = null;
        for (int i = 0; i < BATCH; i++) last = pool.submit(task);
        return last.get();
    }
}
