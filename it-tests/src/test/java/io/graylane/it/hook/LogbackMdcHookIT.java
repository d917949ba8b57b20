package io.graylane.it.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logback 1.2 (with SLF4J 1.7), 1.3, 1.4 and 1.5 (with SLF4J 2): the hook is {@code LoggingEvent.getMDCPropertyMap()}.
 * Configured by hook-logback.xml (pattern layouts, synchronous and behind {@code AsyncAppender}); the 1.5 execution
 * uses hook-logback-logstash.xml, which adds logstash-logback-encoder's {@code LogstashEncoder} (MDC entries as
 * top-level JSON fields). Logs through the SLF4J API, which every version shares.
 */
class LogbackMdcHookIT extends LoggingHookTest {

    private static final Logger LOG = LoggerFactory.getLogger("hookit");

    private static String logstashVersion() {
        String version = System.getProperty("graylane.it.logstash-version");
        return version == null || version.isBlank() ? null : version;
    }

    @Override
    String library() {
        return "logback";
    }

    @Override
    void checkSetUp() throws Exception {
        assertEquals("ch.qos.logback.classic.LoggerContext", LoggerFactory.getILoggerFactory().getClass().getName(),
                "SLF4J is not bound to Logback");
        if (logstashVersion() != null) {
            URL encoder = getClass().getClassLoader().getResource("net/logstash/logback/encoder/LogstashEncoder.class");
            assertNotNull(encoder, "logstash-logback-encoder is not on the class path");
            assertTrue(encoder.toString().contains("logstash-logback-encoder-" + logstashVersion() + ".jar!"),
                    () -> "expected logstash-logback-encoder " + logstashVersion() + ", found " + encoder);
        }
    }

    @Override
    List<String> classFiles() {
        return List.of("ch/qos/logback/classic/LoggerContext.class", "ch/qos/logback/core/Appender.class",
                "org/slf4j/LoggerFactory.class");
    }

    @Override
    List<String> patternFiles() {
        return List.of("LB-SYNC", "LB-ASYNC");
    }

    @Override
    List<String> jsonFiles() {
        return logstashVersion() == null ? List.of() : List.of("LB-LOGSTASH");
    }

    @Override
    Map<String, String> mdcOf(JsonNode event) {
        // LogstashEncoder writes each MDC entry as a top-level field
        Map<String, String> mdc = new HashMap<>();
        for (String key : List.of(LABEL_KEY, REQUEST_ID_KEY)) {
            if (event.has(key)) mdc.put(key, event.get(key).asText());
        }
        return mdc;
    }

    @Override
    void log(String message) {
        LOG.info(message);
    }

    @Override
    void putApplicationMdc(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
