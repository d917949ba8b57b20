package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;

/**
 * {@code KafkaProducer.send(ProducerRecord, Callback)}: add the label, the remembered trace headers and the shadow
 * marker the record lacks, as record headers named like the HTTP headers (UTF-8 values). Headers the application
 * set win. Outside any request the record gets the local label (or the one the traceId -> label map holds for a
 * trace id header the application set). This is where a shadow copy's send would be refused (a failed send), before
 * anything is added.
 */
public final class KafkaProducerSendAdvice {

    private KafkaProducerSendAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) ProducerRecord<?, ?> record) {
        if (record == null) return;
        TrafficContext context = Traffic.outbound(Hook.KAFKA);
        if (context == null) return;
        Headers headers = record.headers();
        for (int i = 0; i < context.lookups(); i++) {
            Header id = headers.lastHeader(context.lookupName(i));
            byte[] value = id == null ? null : id.value();
            if (value != null) context = context.lookup(i, new String(value, StandardCharsets.UTF_8));
        }
        try {
            for (int i = 0; i < context.size(); i++) {
                if (headers.lastHeader(context.name(i)) == null) {
                    headers.add(context.name(i), context.value(i).getBytes(StandardCharsets.UTF_8));
                }
            }
        } catch (IllegalStateException sentBefore) {
            // a record sent before has read-only headers: it goes out as the application made it
        }
    }
}
