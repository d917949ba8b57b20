package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.core.ReceivedMessage;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.rocketmq.common.message.Message;

import java.util.List;

/**
 * {@code MessageListenerConcurrently/MessageListenerOrderly.consumeMessage(messages, context)} of a push consumer: the
 * messages' context is current during the call, resolved from their user properties like an inbound request, and the
 * thread gets back what it had after. Which message of a batch the listener is handling at a given moment is not
 * knowable, so a batch of several messages gets their context only when every property graylane reads is the same on
 * all of them (messages published by one request); otherwise the call runs under the consumer's local label.
 */
public final class ListenerConsumeMessageAdvice {

    private ListenerConsumeMessageAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.Argument(0) List<? extends Message> messages) {
        if (messages == null || messages.isEmpty()) return null;
        ReceivedMessage received = Traffic.message(Hook.ROCKETMQ);
        if (received == null) return null;
        Message first = messages.get(0);
        int n = messages.size();
        boolean agree = true;
        for (int i = 0; i < received.size(); i++) {
            String value = first.getProperty(received.name(i));
            for (int j = 1; j < n && agree; j++) {
                String other = messages.get(j).getProperty(received.name(i));
                agree = value == null ? other == null : value.equals(other);
            }
            if (!agree) break;
            received.set(i, value);
        }
        if (!agree) {
            for (int i = 0; i < received.size(); i++) received.set(i, null);
        }
        return Traffic.enterListener(received.resolve(Hook.ROCKETMQ));
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        Traffic.exitListener(token);
    }
}
