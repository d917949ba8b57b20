package io.graylane.it.hook;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Log4j 2 (log4j-core, from 2.17.0): the hook is the built-in {@code ContextDataInjector}s. Configured by
 * hook-log4j2.xml: pattern layouts, synchronous and behind the {@code Async} appender, and {@code JsonTemplateLayout}
 * with the {@code mdc} resolver. Log4j's API is called reflectively (the tests compile without it, so that it is on no
 * other execution's class path).
 */
class Log4jMdcHookIT extends LoggingHookTest {

    private Object logger;
    private Method info;
    private Method put;
    private Method remove;

    @Override
    String library() {
        return "log4j";
    }

    @Override
    void checkSetUp() throws Exception {
        Class<?> logManager = Class.forName("org.apache.logging.log4j.LogManager");
        logger = logManager.getMethod("getLogger", String.class).invoke(null, "hookit");
        info = Class.forName("org.apache.logging.log4j.Logger").getMethod("info", String.class);
        Class<?> threadContext = Class.forName("org.apache.logging.log4j.ThreadContext");
        put = threadContext.getMethod("put", String.class, String.class);
        remove = threadContext.getMethod("remove", String.class);
    }

    @Override
    List<String> classFiles() {
        return List.of("org/apache/logging/log4j/core/LoggerContext.class", "org/apache/logging/log4j/LogManager.class",
                "org/apache/logging/log4j/layout/template/json/JsonTemplateLayout.class");
    }

    @Override
    List<String> patternFiles() {
        return List.of("L4-SYNC", "L4-ASYNC");
    }

    @Override
    List<String> jsonFiles() {
        return List.of("L4-JSON");
    }

    @Override
    Map<String, String> mdcOf(JsonNode event) {
        Map<String, String> mdc = new HashMap<>();
        event.path("mdc").fields().forEachRemaining(entry -> mdc.put(entry.getKey(), entry.getValue().asText()));
        return mdc;
    }

    @Override
    void log(String message) throws Exception {
        info.invoke(logger, message);
    }

    @Override
    void putApplicationMdc(String key, String value) throws Exception {
        if (value == null) {
            remove.invoke(null, key);
        } else {
            put.invoke(null, key, value);
        }
    }
}
