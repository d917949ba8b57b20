package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Handoff;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import java.util.concurrent.ExecutorService;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.common.threadpool.ThreadlessExecutor;

/**
 * {@code DeadlineFuture.newFuture(..., ExecutorService)} (triple protocol, Dubbo 3, consumer): an asynchronous call's
 * future completes on a Dubbo thread, and the future keeps no invocation to find the context through, so the
 * caller's context is handed off keyed by the future. A synchronous call (ThreadlessExecutor) completes on the
 * calling thread, which has its context already.
 */
public final class TripleFutureCreatedAdvice {

    private TripleFutureCreatedAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return Object future, @Advice.Argument(4) ExecutorService executor) {
        if (executor instanceof ThreadlessExecutor || !Hook.DUBBO.isOn()) return;
        Handoff.put(future, Traffic.current());
    }
}
