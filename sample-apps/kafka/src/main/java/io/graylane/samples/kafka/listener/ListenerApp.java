package io.graylane.samples.kafka.listener;

import io.graylane.samples.kafka.Backend;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.core.env.Environment;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;

import java.util.Map;

/**
 * A spring-kafka consumer on Spring Boot 4: {@code ListenerApp --spring.kafka.bootstrap-servers=B
 * --sample.topic=T --sample.backend=URL}. Its {@code @KafkaListener} calls URL/echo for each record (no header of its
 * own) and prints {@code [listener] record=VALUE label=.. request-id=.. shadow=0|1} with what the backend saw.
 */
@SpringBootApplication
public class ListenerApp {

    public static void main(String[] args) {
        SpringApplication.run(ListenerApp.class, args);
    }

    @Component
    static class Listener implements ConsumerSeekAware {

        private final Backend backend;

        Listener(Environment environment) {
            this.backend = new Backend(environment.getRequiredProperty("sample.backend"));
        }

        @KafkaListener(topics = "${sample.topic}", groupId = "${sample.group:listener}")
        void onRecord(String value) {
            System.out.println("[listener] record=" + value + " " + backend.call());
        }

        @Override
        public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
            if (!assignments.isEmpty()) System.out.println("[listener] ready");
        }
    }
}
