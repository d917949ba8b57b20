package io.graylane.samples.coexist;

import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.alibaba.ttl.TransmittableThreadLocal;

/**
 * A value the application keeps in a {@link TransmittableThreadLocal} for the length of a request, and work that
 * leaves the request thread. The application does nothing to carry the value across: with the TTL agent
 * ({@code -javaagent:transmittable-thread-local-VERSION.jar}) it crosses the JDK's pools; without it, it does not.
 * Each hop runs a task that reads the value and calls the backend; the answer says which thread ran the task, the
 * value it saw there and what the backend received:
 * {@code {"service":"coexist","hop":..,"task":{"thread":..,"ttl":..},"downstream":{..}}}.
 * <ul>
 *   <li>{@code thread-pool}: a {@link ThreadPoolExecutor} with one thread, started before any request;</li>
 *   <li>{@code fork-join}: a {@link RecursiveTask} submitted to a {@link ForkJoinPool} of parallelism 1, which forks
 *   the task that calls;</li>
 *   <li>{@code completable-async}: {@link CompletableFuture#supplyAsync(java.util.function.Supplier)} on its default
 *   executor (the common pool when its parallelism is at least 2; below that it starts a thread per task).</li>
 * </ul>
 * The pools have a single worker, so a later request's task runs on the very thread an earlier one used.
 */
final class TtlHops {

    /**
     * Not inherited by threads created while it is set ({@code childValue} gives the initial value, as TTL advises
     * for values that must only follow tasks): a pool thread that happens to be started by a request thread must not
     * keep that request's value for good.
     */
    static final TransmittableThreadLocal<String> REQUEST_VALUE = new TransmittableThreadLocal<>() {
        @Override
        protected String childValue(String parentValue) {
            return initialValue();
        }
    };

    private static final long WAIT_SECONDS = 20;

    private interface Hop {
        String run(Callable<String> task) throws Exception;
    }

    private final String echoUrl;
    private final ThreadPoolExecutor threadPool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), named("app-pool"));
    private final ForkJoinPool forkJoinPool = new ForkJoinPool(1);
    private final Map<String, Hop> hops = Map.of(
            "thread-pool", task -> await(threadPool.submit(task)),
            "fork-join", task -> await(forkJoinPool.submit(new ForkingTask(task))),
            "completable-async", task -> await(CompletableFuture.supplyAsync(() -> {
                try {
                    return task.call();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            })));

    TtlHops(String echoUrl) {
        this.echoUrl = echoUrl;
        threadPool.prestartAllCoreThreads();
    }

    boolean knows(String hop) {
        return hops.containsKey(hop);
    }

    /** Sets the request's value (when not null) for the length of the call, and runs the task through the hop. */
    String run(String hop, String value) throws Exception {
        if (value != null) {
            REQUEST_VALUE.set(value);
        }
        try {
            return "{\"service\":\"coexist\",\"hop\":" + Json.quote(hop) + "," + hops.get(hop).run(this::observe) + "}";
        } finally {
            REQUEST_VALUE.remove();
        }
    }

    /** The task: on whatever thread runs it, reads the value and calls the backend. */
    private String observe() throws Exception {
        String thread = Thread.currentThread().getName();
        String value = REQUEST_VALUE.get();
        String downstream = Backend.get(echoUrl);
        return "\"task\":{\"thread\":" + Json.quote(thread) + ",\"ttl\":" + Json.quote(value) + "},\"downstream\":"
                + downstream;
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Runs on a pool worker and forks the task that calls: the work is handed on twice inside the pool. */
    private static final class ForkingTask extends RecursiveTask<String> {

        private static final long serialVersionUID = 1L;

        private final transient Callable<String> task;

        ForkingTask(Callable<String> task) {
            this.task = task;
        }

        @Override
        protected String compute() {
            return ForkJoinTask.adapt(task).fork().join();
        }
    }
}
