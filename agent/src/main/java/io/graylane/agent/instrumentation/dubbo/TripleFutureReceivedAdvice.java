package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Handoff;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import net.bytebuddy.asm.Advice;

/**
 * {@code DeadlineFuture.doReceived(TriRpcStatus, AppResponse)} (triple protocol, Dubbo 3, consumer): completing the
 * future runs the application's callbacks; they run under the context handed off when the call was made, and the
 * Dubbo thread gets its own context back after.
 */
public final class TripleFutureReceivedAdvice {

    private TripleFutureReceivedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.This Object future,
                                @Advice.Local("graylanePrevious") TrafficContext previous) {
        TrafficContext context = Handoff.take(future);
        if (context == null) return false;
        previous = Traffic.replay(context);
        return true;
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean replayed, @Advice.Local("graylanePrevious") TrafficContext previous) {
        if (replayed) Traffic.restore(previous);
    }
}
