package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Traffic;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.rpc.Invocation;

/**
 * {@code AbstractClusterInvoker.invoke(Invocation)}, before the routers choose a provider
 * ({@code graylane.route.dubbo-tag}): the call asks for the providers of its label's lane through Dubbo's own tag
 * ({@code dubbo.tag}); Dubbo's tag router falls back to untagged (base) providers when the lane has none. A tag the
 * invocation already has, or that the application sets through RpcContext (Dubbo 2.7 merges it in after this point,
 * overwriting), wins.
 */
public final class DubboClusterTagAdvice {

    private DubboClusterTagAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Invocation invocation) {
        String tag = Traffic.dubboTag();
        if (tag != null && invocation.getAttachment("dubbo.tag") == null) invocation.setAttachment("dubbo.tag", tag);
    }
}
