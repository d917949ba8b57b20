package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Traffic;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.RpcException;

/**
 * Shadow write guard, consumer side: {@code AbstractClusterInvoker.invoke} (before routing, so failover does not retry
 * a block) and {@code AbstractInvoker.invoke} (a direct reference without a cluster, Dubbo 2.7). A blocked call is
 * never sent; {@code invoke} throws the {@code RpcException} made here (code {@code FORBIDDEN_EXCEPTION}; see
 * agent/README.md, "How advice fails a call on purpose"). The first check marks the invocation (a local attribute,
 * never sent), so an allowed call is checked and counted once.
 */
public final class DubboInvokeGuardAdvice {

    private DubboInvokeGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static RpcException enter(@Advice.This Invoker<?> invoker, @Advice.Argument(0) Invocation invocation) {
        if (invocation.get("io.graylane.guarded") != null) return null;
        String blocked = ShadowGuard.dubbo(Traffic.outboundAgain(Hook.DUBBO), invoker.getInterface().getName(),
                invocation.getMethodName());
        if (blocked == null) {
            invocation.put("io.graylane.guarded", Boolean.TRUE);
            return null;
        }
        return new RpcException(RpcException.FORBIDDEN_EXCEPTION, blocked);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter RpcException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
