package io.graylane.samples.kafka.listener;

import io.graylane.samples.kafka.Backend;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.event.ListenerContainerIdleEvent;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.FixedBackOff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * A spring-kafka consumer on Spring Boot 4: {@code ListenerApp --spring.kafka.bootstrap-servers=B
 * --sample.topic=T --sample.backend=URL}. Its {@code @KafkaListener} calls URL/echo for each record (no header of its
 * own) and prints {@code [listener] record=VALUE label=.. request-id=.. shadow=0|1} with what the backend saw. A
 * record whose value contains {@code -fail-} makes the listener throw after that call; the container's error handler
 * retries it once (it is delivered again), then its recoverer calls the backend too and prints
 * {@code [listener] recovered record=VALUE ...}. A record whose value contains {@code -fwd-} is also sent on, with
 * Spring's {@code KafkaTemplate} and nothing set by hand, to topic T-forwarded, whose listener calls the backend and
 * prints {@code [listener] forwarded record=VALUE ...}. Each of these also logs its first words (SLF4J, logger
 * {@code sample.mdc}: {@code [listener] record=VALUE}, ...), and with {@code --spring.kafka.listener.idle-event-interval}
 * the consumer thread logs {@code [listener] idle thread=NAME} when no record came for that long, so a log pattern with
 * {@code %X{..}} shows the MDC inside and outside the records.
 */
@SpringBootApplication
public class ListenerApp {

    private static final Logger LOG = LoggerFactory.getLogger("sample.mdc");

    public static void main(String[] args) {
        SpringApplication.run(ListenerApp.class, args);
    }

    /** Spring Boot gives the listener container this error handler: one retry, then the recoverer. */
    @Bean
    DefaultErrorHandler errorHandler(Environment environment) {
        Backend backend = new Backend(environment.getRequiredProperty("sample.backend"));
        return new DefaultErrorHandler((record, error) -> {
            LOG.info("[listener] recovered record={}", record.value());
            System.out.println("[listener] recovered record=" + record.value() + " " + backend.call());
        }, new FixedBackOff(0L, 1L));
    }

    @Component
    static class Listener implements ConsumerSeekAware {

        private final Backend backend;
        private final KafkaTemplate<String, String> template;
        private final String forwardTo;

        @SuppressWarnings("unchecked")
        Listener(Environment environment, KafkaTemplate<?, ?> template) {
            this.backend = new Backend(environment.getRequiredProperty("sample.backend"));
            this.template = (KafkaTemplate<String, String>) template;
            this.forwardTo = environment.getRequiredProperty("sample.topic") + "-forwarded";
        }

        @KafkaListener(topics = "${sample.topic}", groupId = "${sample.group:listener}")
        void onRecord(String value) {
            LOG.info("[listener] record={}", value);
            System.out.println("[listener] record=" + value + " " + backend.call());
            if (value.contains("-fail-")) {
                throw new IllegalStateException("failing on purpose: " + value);
            }
            if (value.contains("-fwd-")) {
                template.send(forwardTo, value, value);
            }
        }

        @KafkaListener(topics = "${sample.topic}-forwarded", groupId = "${sample.group:listener}")
        void onForwarded(String value) {
            LOG.info("[listener] forwarded record={}", value);
            System.out.println("[listener] forwarded record=" + value + " " + backend.call());
        }

        /** Published on the consumer thread, between polls. */
        @EventListener
        void onIdle(ListenerContainerIdleEvent event) {
            LOG.info("[listener] idle thread={}", Thread.currentThread().getName());
        }

        @Override
        public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
            if (!assignments.isEmpty()) System.out.println("[listener] ready");
        }
    }
}
