package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageBatch;

/**
 * {@code MessageBatch.encode()}: the producer packs a batch's messages into its body (on the sender's thread, before
 * the send); each message gets the properties it lacks, as a single send's message would. Counted where the batch
 * is sent.
 */
public final class MessageBatchEncodeAdvice {

    private MessageBatchEncodeAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.This MessageBatch batch) {
        TrafficContext sender = Traffic.outboundAgain(Hook.ROCKETMQ);
        if (sender == null) return;
        for (Message message : batch) {
            if (message == null) continue;
            TrafficContext context = sender;
            for (int i = 0; i < context.lookups(); i++) {
                String id = message.getProperty(context.lookupName(i));
                if (id != null) context = context.lookup(i, id);
            }
            for (int i = 0; i < context.size(); i++) {
                String value = context.value(i);
                if (value == null || value.trim().isEmpty() || message.getProperty(context.name(i)) != null) continue;
                message.putUserProperty(context.name(i), value);
            }
        }
    }
}
