package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.guard.ShadowGuard;
import net.bytebuddy.asm.Advice;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * {@code KafkaProducer.send(record, callback)} of a shadow copy when {@code graylane.shadow.guard} is on (installed
 * only then): every send is a write, so unless the topic is allowed ({@code kafka:TOPIC}) the send is skipped before
 * the record is serialised or buffered; it fails as a send fails: the callback gets the exception, on the sender's
 * thread, and the returned future fails with it ({@code get} throws {@code ExecutionException}).
 */
public final class KafkaProducerSendGuardAdvice {

    private KafkaProducerSendGuardAdvice() {}

    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static String enter(@Advice.Argument(0) ProducerRecord<?, ?> record) {
        return record == null ? null : ShadowGuard.send("kafka", record.topic());
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Enter String blocked, @Advice.Argument(1) Callback callback,
                            @Advice.Return(readOnly = false) Future<RecordMetadata> result) {
        if (blocked == null) return;
        KafkaException failure = new KafkaException(blocked);
        CompletableFuture<RecordMetadata> failed = new CompletableFuture<RecordMetadata>();
        failed.completeExceptionally(failure);
        result = failed;
        if (callback == null) return;
        try {
            callback.onCompletion(null, failure);
        } catch (Throwable ignored) {
            // the application's callback failed: as when the producer calls it, that is the application's own
        }
    }
}
