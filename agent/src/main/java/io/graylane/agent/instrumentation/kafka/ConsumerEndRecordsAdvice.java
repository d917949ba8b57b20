package io.graylane.agent.instrumentation.kafka;

import io.graylane.core.Traffic;
import net.bytebuddy.asm.Advice;

/**
 * {@code KafkaConsumer.poll} and {@code close}: the application is done with the records it iterated, so the last
 * one's context ends and the thread gets back what it had before them.
 */
public final class ConsumerEndRecordsAdvice {

    private ConsumerEndRecordsAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter() {
        Traffic.endRecords();
    }
}
