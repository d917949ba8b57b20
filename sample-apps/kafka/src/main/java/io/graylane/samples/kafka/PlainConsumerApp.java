package io.graylane.samples.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collections;
import java.util.Properties;

/**
 * {@code PlainConsumerApp BOOTSTRAP TOPIC GROUP BACKEND_URL}: a plain {@code KafkaConsumer.poll} loop. For each record
 * it calls BACKEND_URL/echo (no header of its own) and prints {@code [plain] record=VALUE label=.. request-id=..
 * shadow=0|1} with what the backend saw; after each batch, outside any record, it calls once more and prints
 * {@code [plain] between label=.. request-id=..}. It also logs (SLF4J, logger {@code sample.mdc}) {@code [plain]
 * record=VALUE} for each record and {@code [plain] between} after each batch, so a log pattern with {@code %X{..}} shows
 * the MDC at those points; {@code -Dlogback.configurationFile=sample-logback.xml} prints them with the pattern in
 * {@code -Dlogging.pattern.console=...}.
 */
public final class PlainConsumerApp {

    /** Printed once the consumer has its partitions. */
    static final String READY = "[plain] ready";

    private static final Logger LOG = LoggerFactory.getLogger("sample.mdc");

    private PlainConsumerApp() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: PlainConsumerApp BOOTSTRAP TOPIC GROUP BACKEND_URL");
            System.exit(2);
        }
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Backend backend = new Backend(args[3]);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(Collections.singletonList(args[1]));
            boolean ready = false;
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                if (!ready && !consumer.assignment().isEmpty()) {
                    ready = true;
                    System.out.println(READY);
                }
                for (ConsumerRecord<String, String> record : records) {
                    LOG.info("[plain] record={}", record.value());
                    System.out.println("[plain] record=" + record.value() + " " + backend.call());
                }
                if (!records.isEmpty()) {
                    LOG.info("[plain] between");
                    System.out.println("[plain] between " + backend.call());
                }
            }
        }
    }
}
