package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.ReceivedMessage;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/**
 * spring-kafka's {@code ListenerConsumer.doInvokeRecordListener(record, iterator)}: the record listener and, when it
 * throws, the container's error handler (retries, recoverers such as a dead-letter publisher) run under the record's
 * context, also while the error handler reads the rest of the batch from the iterator; the thread gets back what it
 * had after.
 */
public final class SpringKafkaRecordListenerAdvice {

    private SpringKafkaRecordListenerAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object enter(@Advice.Argument(0) ConsumerRecord<?, ?> record) {
        ReceivedMessage message = Traffic.message(Hook.KAFKA);
        if (message == null || record == null) return null;
        for (int i = 0; i < message.size(); i++) {
            Header header = record.headers().lastHeader(message.name(i));
            byte[] value = header == null ? null : header.value();
            if (value != null) message.set(i, new String(value, StandardCharsets.UTF_8));
        }
        return Traffic.enterListener(message.resolve());
    }

    @Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
    public static void exit(@Advice.Enter Object token) {
        Traffic.exitListener(token);
    }
}
