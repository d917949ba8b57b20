package io.graylane.agent.instrumentation.kafka;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.matcher.ElementMatcher;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * kafka-clients 2.8 to 4.x (and spring-kafka, which goes through them):
 * <ul>
 *   <li>producer: {@code KafkaProducer.send(record, callback)} (the one-argument send calls it) adds the headers the
 *       record lacks; the producer's per-record callback wrapper ({@code AppendCallbacks}, 3.x and 4.x;
 *       {@code InterceptorCallback}, 2.8) is made in {@code send} on the sender's thread and records its context
 *       there, and its {@code onCompletion} (the application's callback and interceptors) runs under it;</li>
 *   <li>consumer: the iterator of {@code ConsumerRecords} makes each record's context current as it reaches the
 *       record ({@code makeNext}, called by {@code hasNext}/{@code next}) until the next record, the end of the
 *       iteration, {@code KafkaConsumer.poll} or {@code close};</li>
 *   <li>spring-kafka: {@code ListenerConsumer.doInvokeRecordListener} runs a record listener and, when it throws,
 *       the error handler under the record's context, whatever records the error handler reads meanwhile.</li>
 * </ul>
 */
public final class KafkaInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.kafka.";
    private static final String CONSUMER_RECORD = "org.apache.kafka.clients.consumer.ConsumerRecord";

    @Override
    public Hook hook() {
        return Hook.KAFKA;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        Rules.Rule producer = rules
                .named("org.apache.kafka.clients.producer.KafkaProducer")
                .transform(advices.advice(hook(), send(), PACKAGE + "KafkaProducerSendAdvice"));
        if (ShadowGuard.isOn()) {
            producer.transform(advices.advice(hook(), send(), PACKAGE + "KafkaProducerSendGuardAdvice"));
        }
        producer
                .named("org.apache.kafka.clients.producer.KafkaProducer$AppendCallbacks",
                        "org.apache.kafka.clients.producer.KafkaProducer$InterceptorCallback")
                .transform(advices.advice(hook(), isConstructor(), PACKAGE + "SendCallbackCreatedAdvice"))
                .transform(advices.advice(hook(), named("onCompletion").and(takesArguments(2))
                        .and(takesArgument(0, named("org.apache.kafka.clients.producer.RecordMetadata")))
                        .and(takesArgument(1, named("java.lang.Exception"))), PACKAGE + "SendCallbackCompletionAdvice"))
                .named("org.apache.kafka.clients.consumer.ConsumerRecords$ConcatenatedIterable$1")
                .transform(advices.advice(hook(), named("makeNext").and(takesArguments(0))
                        .and(returns(named(CONSUMER_RECORD))), PACKAGE + "ConsumerRecordsNextAdvice"))
                .named("org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer")
                .transform(advices.advice(hook(), named("doInvokeRecordListener").and(takesArguments(2))
                        .and(takesArgument(0, named(CONSUMER_RECORD)))
                        .and(takesArgument(1, named("java.util.Iterator"))), PACKAGE + "SpringKafkaRecordListenerAdvice"))
                .named("org.apache.kafka.clients.consumer.KafkaConsumer")
                .transform(advices.advice(hook(), named("poll").and(isPublic()).and(takesArguments(1))
                        .or(named("close").and(isPublic())), PACKAGE + "ConsumerEndRecordsAdvice"));
    }

    private static ElementMatcher.Junction<MethodDescription> send() {
        return named("send").and(isPublic()).and(takesArguments(2))
                .and(takesArgument(0, named("org.apache.kafka.clients.producer.ProducerRecord")))
                .and(takesArgument(1, named("org.apache.kafka.clients.producer.Callback")));
    }
}
