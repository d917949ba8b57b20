package io.graylane.agent.instrumentation.rocketmq;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeFilter;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * RocketMQ remoting client 4.9 to 5.x:
 * <ul>
 *   <li>producer: {@code DefaultMQProducerImpl.sendKernelImpl}, which every send (sync, async, oneway, to a queue, by
 *       selector, batches, request-reply) reaches once per attempt, adds the user properties the message lacks; for an
 *       asynchronous send it records the sender's context for the {@code SendCallback} (it runs on the client's
 *       callback threads), whose {@code onSuccess}/{@code onException} then run under it. A batch's messages get
 *       theirs when {@code MessageBatch.encode} packs them, on the sender's thread;</li>
 *   <li>push consumer: implementations of {@code MessageListenerConcurrently} and {@code MessageListenerOrderly}: the
 *       messages' context is current during {@code consumeMessage};</li>
 *   <li>shadow write guard (installed only when on): the synchronous {@code send}s fail with an
 *       {@code MQClientException}, asynchronous ones call the callback's {@code onException}, oneway ones are dropped.</li>
 * </ul>
 */
public final class RocketMqInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.rocketmq.";
    private static final String MESSAGE = "org.apache.rocketmq.common.message.Message";
    private static final String SEND_CALLBACK = "org.apache.rocketmq.client.producer.SendCallback";
    private static final String LISTENER = "org.apache.rocketmq.client.consumer.listener.";

    @Override
    public Hook hook() {
        return Hook.ROCKETMQ;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        Rules.Rule producer = rules
                .named("org.apache.rocketmq.client.impl.producer.DefaultMQProducerImpl")
                .transform(advices.advice(hook(), named("sendKernelImpl").and(takesArguments(6))
                        .and(takesArgument(0, named(MESSAGE)))
                        .and(takesArgument(2, named("org.apache.rocketmq.client.impl.CommunicationMode")))
                        .and(takesArgument(3, named(SEND_CALLBACK))), PACKAGE + "ProducerSendKernelAdvice"));
        if (ShadowGuard.isOn()) {
            producer.transform(advices.advice(hook(), named("sendKernelImpl").and(takesArguments(6))
                            .and(takesArgument(0, named(MESSAGE)))
                            .and(takesArgument(2, named("org.apache.rocketmq.client.impl.CommunicationMode")))
                            .and(takesArgument(3, named(SEND_CALLBACK))), PACKAGE + "ProducerAsyncSendGuardAdvice"))
                    .transform(advices.advice(hook(), named("send").and(isPublic())
                            .and(returns(named("org.apache.rocketmq.client.producer.SendResult")))
                            .and(takesArgument(0, named(MESSAGE)))
                            .and(takesArguments(2).and(takesArgument(1, named("long")))
                                    .or(takesArguments(3).and(takesArgument(2, named("long"))))
                                    .or(takesArguments(4).and(takesArgument(3, named("long"))))),
                            PACKAGE + "ProducerSyncSendGuardAdvice"));
        }
        producer
                .named("org.apache.rocketmq.common.message.MessageBatch")
                .transform(advices.advice(hook(), named("encode").and(takesArguments(0)), PACKAGE + "MessageBatchEncodeAdvice"))
                .type(TypeFilter.anyName().declaring("onSuccess").extending(SEND_CALLBACK),
                        not(isInterface()).and(hasSuperType(named(SEND_CALLBACK))), ClassLoaders.canSee(SEND_CALLBACK))
                .transform(advices.advice(hook(), not(isAbstract()).and(takesArguments(1)).and(
                        named("onSuccess").and(takesArgument(0, named("org.apache.rocketmq.client.producer.SendResult")))
                                .or(named("onException").and(takesArgument(0, named("java.lang.Throwable"))))),
                        PACKAGE + "SendCallbackAdvice"))
                .type(TypeFilter.anyName().declaring("consumeMessage")
                                .extending(LISTENER + "MessageListenerConcurrently",
                                        LISTENER + "MessageListenerOrderly"),
                        not(isInterface()).and(hasSuperType(named(LISTENER + "MessageListenerConcurrently")
                                .or(named(LISTENER + "MessageListenerOrderly")))),
                        ClassLoaders.canSee(LISTENER + "MessageListener"))
                .transform(advices.advice(hook(), named("consumeMessage").and(not(isAbstract())).and(takesArguments(2))
                        .and(takesArgument(0, named("java.util.List")))
                        .and(takesArgument(1, named(LISTENER + "ConsumeConcurrentlyContext")
                                .or(named(LISTENER + "ConsumeOrderlyContext")))), PACKAGE + "ListenerConsumeMessageAdvice"));
    }
}
