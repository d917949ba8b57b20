package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.ReceivedMessage;
import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/**
 * The {@code ConsumerRecords} iterator's {@code makeNext()} (called by {@code hasNext()} and {@code next()}): the
 * record it reached becomes the thread's context, resolved from its headers like an inbound request; at the end
 * of the iteration the thread gets back what it had before the first record.
 */
public final class ConsumerRecordsNextAdvice {

    private ConsumerRecordsNextAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Return ConsumerRecord<?, ?> record) {
        if (record == null) {
            Traffic.endRecords();
            return;
        }
        ReceivedMessage message = Traffic.message(Hook.KAFKA);
        if (message == null) return;
        for (int i = 0; i < message.size(); i++) {
            Header header = record.headers().lastHeader(message.name(i));
            byte[] value = header == null ? null : header.value();
            if (value != null) message.set(i, new String(value, StandardCharsets.UTF_8));
        }
        Traffic.beginRecord(message.resolve());
    }
}
