package io.graylane.samples.rocketmq;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyContext;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.hook.ConsumeMessageContext;
import org.apache.rocketmq.client.hook.ConsumeMessageHook;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code PushConsumerApp NAMESRV TOPIC GROUP BACKEND_URL concurrently|orderly [BATCH]}: a {@code DefaultMQPushConsumer}
 * (from the first offset) with a {@code MessageListenerConcurrently} or {@code MessageListenerOrderly} that gets up to
 * BATCH messages per call (default 1). For each message it calls BACKEND_URL/echo (no header of its own) and prints
 * {@code [rocketmq] record=BODY label=.. request-id=.. shadow=0|1} with what the backend saw; a call with several
 * messages prints {@code [rocketmq] batch=BODY,BODY,... label=.. request-id=.. shadow=0|1} with what one more backend
 * call saw, after its records. After each call, a {@code ConsumeMessageHook} on the same thread calls once more and
 * prints {@code [rocketmq] after label=.. request-id=..}: code outside the listener call.
 */
public final class PushConsumerApp {

    /** Printed once the consumer has started. */
    static final String READY = "[rocketmq] ready";

    private PushConsumerApp() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            System.err.println("usage: PushConsumerApp NAMESRV TOPIC GROUP BACKEND_URL concurrently|orderly [BATCH]");
            System.exit(2);
        }
        // rebalance every second rather than every 20 s: a topic created after the consumer started is served at once
        if (System.getProperty("rocketmq.client.rebalance.waitInterval") == null) {
            System.setProperty("rocketmq.client.rebalance.waitInterval", "1000");
        }
        Backend backend = new Backend(args[3]);
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(args[2]);
        consumer.setNamesrvAddr(args[0]);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setPollNameServerInterval(1000);
        consumer.setConsumeMessageBatchMaxSize(args.length == 6 ? Integer.parseInt(args[5]) : 1);
        consumer.subscribe(args[1], "*");
        if (args[4].equals("orderly")) {
            consumer.registerMessageListener(new OrderlyListener(backend));
        } else {
            consumer.registerMessageListener(new ConcurrentlyListener(backend));
        }
        // after each listener call, on the same thread: what the consumer's own code there carries
        consumer.getDefaultMQPushConsumerImpl().registerConsumeMessageHook(new ConsumeMessageHook() {
            @Override
            public String hookName() {
                return "sample-after-call";
            }

            @Override
            public void consumeMessageBefore(ConsumeMessageContext context) {
            }

            @Override
            public void consumeMessageAfter(ConsumeMessageContext context) {
                System.out.println("[rocketmq] after " + backend.call());
            }
        });
        consumer.start();
        System.out.println("[rocketmq] client " + Backend.clientVersion());
        System.out.println(READY);
    }

    static void handle(List<MessageExt> messages, Backend backend) {
        for (MessageExt message : messages) {
            System.out.println("[rocketmq] record=" + body(message) + " " + backend.call());
        }
        if (messages.size() > 1) {
            System.out.println("[rocketmq] batch=" + messages.stream().map(PushConsumerApp::body)
                    .collect(Collectors.joining(",")) + " " + backend.call());
        }
    }

    private static String body(MessageExt message) {
        return new String(message.getBody(), StandardCharsets.UTF_8);
    }

    static final class ConcurrentlyListener implements MessageListenerConcurrently {

        private final Backend backend;

        ConcurrentlyListener(Backend backend) {
            this.backend = backend;
        }

        @Override
        public ConsumeConcurrentlyStatus consumeMessage(List<MessageExt> messages, ConsumeConcurrentlyContext context) {
            handle(messages, backend);
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        }
    }

    static final class OrderlyListener implements MessageListenerOrderly {

        private final Backend backend;

        OrderlyListener(Backend backend) {
            this.backend = backend;
        }

        @Override
        public ConsumeOrderlyStatus consumeMessage(List<MessageExt> messages, ConsumeOrderlyContext context) {
            handle(messages, backend);
            return ConsumeOrderlyStatus.SUCCESS;
        }
    }
}
