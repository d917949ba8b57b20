package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.concurrent.TaskContexts;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageBatch;

/**
 * {@code DefaultMQProducerImpl.sendKernelImpl(message, queue, mode, callback, ...)}, where every send meets the broker
 * (once per attempt): add the label, the remembered trace headers and the shadow marker the message lacks, as user
 * properties named like the HTTP headers; properties the application set win. Outside any request the message gets
 * the local label (or the one the traceId -> label map holds for a trace id property the application set). A batch
 * is counted here, its messages got their properties when it was encoded. An asynchronous send's callback gets the
 * sender's context (this runs on the producer's async sender executor, where the executors hook carried it).
 */
public final class ProducerSendKernelAdvice {

    private ProducerSendKernelAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) Message message, @Advice.Argument(3) SendCallback callback) {
        if (message == null) return;
        if (callback != null && Hook.ROCKETMQ.isOn()) TaskContexts.capture(callback);
        TrafficContext context = Traffic.outbound(Hook.ROCKETMQ);
        if (context == null || message instanceof MessageBatch) return;
        for (int i = 0; i < context.lookups(); i++) {
            String id = message.getProperty(context.lookupName(i));
            if (id != null) context = context.lookup(i, id);
        }
        for (int i = 0; i < context.size(); i++) {
            String value = context.value(i);
            // putUserProperty refuses blank values (an inbound "tracestate:" with nothing): such a header is left out
            if (value == null || value.trim().isEmpty() || message.getProperty(context.name(i)) != null) continue;
            message.putUserProperty(context.name(i), value);
        }
    }
}
