package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.remoting.exchange.Request;
import org.apache.dubbo.remoting.exchange.support.DefaultFuture;
import org.apache.dubbo.rpc.Invocation;

/**
 * {@code DefaultFuture.doReceived(Response)} (dubbo protocol, consumer): completing the future runs the callbacks
 * the application chained to an asynchronous call, on a Dubbo thread; they run under the context the call was
 * made in, and the thread gets its own context back after.
 */
public final class DubboResponseAdvice {

    private DubboResponseAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.This DefaultFuture future,
                                @Advice.Local("graylanePrevious") TrafficContext previous) {
        if (!Hook.DUBBO.isOn()) return false;
        Request request = future.getRequest();
        Object data = request == null ? null : request.getData();
        if (!(data instanceof Invocation)) return false;
        Object context = ((Invocation) data).get("io.graylane.context");
        if (!(context instanceof TrafficContext)) return false;
        previous = Traffic.replay((TrafficContext) context);
        return true;
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter boolean replayed, @Advice.Local("graylanePrevious") TrafficContext previous) {
        if (replayed) Traffic.restore(previous);
    }
}
