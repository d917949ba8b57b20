package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.rpc.Invocation;

/**
 * {@code AbstractInvoker.invoke(Invocation)}: add the label and trace attachments the outgoing invocation lacks.
 * What the application set through RpcContext is already in the invocation here (Dubbo 3 merges it in its
 * consumer context filter, Dubbo 2.7 merges it right after, overwriting), so it wins. The request's context is
 * also kept in the invocation's local attributes (never sent) for the asynchronous response to restore.
 */
public final class DubboConsumerAdvice {

    private DubboConsumerAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Invocation invocation) {
        TrafficContext context = Traffic.outbound(Hook.DUBBO);
        if (context == null) return;
        TrafficContext current = Traffic.current();
        if (current != null) invocation.put("io.graylane.context", current);
        for (int i = 0; i < context.lookups(); i++) {
            context = context.lookup(i, invocation.getAttachment(context.lookupName(i)));
        }
        for (int i = 0; i < context.size(); i++) {
            if (invocation.getAttachment(context.name(i)) == null) {
                invocation.setAttachment(context.name(i), context.value(i));
            }
        }
    }
}
