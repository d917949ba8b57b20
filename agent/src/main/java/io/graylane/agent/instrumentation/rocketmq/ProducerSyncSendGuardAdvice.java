package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.core.guard.ShadowGuard;
import net.bytebuddy.asm.Advice;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.message.Message;

/**
 * The synchronous {@code DefaultMQProducerImpl.send(message, [queue | selector, arg,] timeout)} of a shadow copy when
 * {@code graylane.shadow.guard} is on (installed only then; every overload and batch ends in one of them): unless the
 * topic is allowed ({@code rocketmq:TOPIC}) nothing is sent and the send throws the {@code MQClientException} made
 * here, whose message starts {@code graylane: blocked rocketmq send to topic T} (before the producer's retries, so
 * once).
 */
public final class ProducerSyncSendGuardAdvice {

    private ProducerSyncSendGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static MQClientException enter(@Advice.Argument(0) Message message) {
        String blocked = message == null ? null : ShadowGuard.send("rocketmq", message.getTopic());
        return blocked == null ? null : new MQClientException(blocked, null);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(@Advice.Enter MQClientException blocked, @Advice.Thrown(readOnly = false) Throwable thrown) {
        if (blocked != null) thrown = blocked;
    }
}
