package io.graylane.samples.webflux;

import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.HttpResources;

/**
 * With logger {@code sample.mdc} at INFO, every {@value #PERIOD_MILLIS} ms each server event loop, each worker of
 * {@code Schedulers.parallel()} and a {@code boundedElastic} worker log {@code [webflux] tick}: lines
 * written outside any request on the threads that also run the requests' chains.
 */
final class Ticks {

    static final long PERIOD_MILLIS = 50;

    private Ticks() {
    }

    static void start() {
        if (!Calls.MDC_LOG.isInfoEnabled()) return;
        Runnable tick = () -> Calls.MDC_LOG.info("[webflux] tick");
        for (EventExecutor loop : HttpResources.get().onServer(true)) {
            loop.scheduleAtFixedRate(tick, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }
        for (int i = 0; i < Schedulers.DEFAULT_POOL_SIZE; i++) schedule(Schedulers.parallel(), tick);
        schedule(Schedulers.boundedElastic(), tick);
    }

    private static void schedule(Scheduler scheduler, Runnable tick) {
        scheduler.createWorker().schedulePeriodically(tick, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }
}
