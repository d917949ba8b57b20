package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.core.guard.ShadowGuard;
import net.bytebuddy.asm.Advice;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.CommunicationMode;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.common.message.Message;

/**
 * {@code DefaultMQProducerImpl.sendKernelImpl} of an asynchronous or oneway send of a shadow copy when
 * {@code graylane.shadow.guard} is on (installed only then; synchronous sends were checked before, by
 * {@link ProducerSyncSendGuardAdvice}): unless the topic is allowed nothing is sent; an asynchronous send's callback
 * gets an {@code MQClientException} ({@code graylane: blocked rocketmq send to topic T}) in {@code onException}, a
 * oneway send is dropped (counted as blocked).
 */
public final class ProducerAsyncSendGuardAdvice {

    private ProducerAsyncSendGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static String enter(@Advice.Argument(0) Message message, @Advice.Argument(2) CommunicationMode mode) {
        if (message == null || mode == CommunicationMode.SYNC) return null;
        return ShadowGuard.send("rocketmq", message.getTopic());
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Enter String blocked, @Advice.Argument(3) SendCallback callback) {
        if (blocked == null || callback == null) return;
        try {
            callback.onException(new MQClientException(blocked, null));
        } catch (Throwable ignored) {
            // the application's callback failed: as when the producer calls it, that is the application's own
        }
    }
}
