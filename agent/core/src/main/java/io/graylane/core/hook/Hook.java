package io.graylane.core.hook;

import io.graylane.core.log.Log;

/**
 * One switch per instrumentation. Advice asks its hook whether it is still on; a hook whose
 * advice threw is logged once and switched off for the life of the process, so a library
 * version we did not foresee costs one log line, never a broken request.
 */
public enum Hook {
    SERVLET("servlet"),
    GRPC("grpc"),
    DUBBO("dubbo"),
    OKHTTP("okhttp"),
    HTTP_URL_CONNECTION("http-url-connection"),
    JAVA_HTTP_CLIENT("java-http-client"),
    APACHE_HTTPCLIENT("apache-httpclient"),
    EXECUTORS("executors"),
    REACTOR_NETTY("reactor-netty"),
    REACTOR("reactor"),
    KAFKA("kafka"),
    ROCKETMQ("rocketmq"),
    LOGBACK("logback"),
    LOG4J("log4j"),
    JDBC("jdbc");

    private final String configName;
    private volatile boolean on = true;

    Hook(String configName) {
        this.configName = configName;
    }

    /** The NAME in {@code graylane.instrumentation.NAME.enabled}. */
    public String configName() {
        return configName;
    }

    public boolean isOn() {
        return on;
    }

    /** Called by the advice exception handler with the throwable the advice raised. */
    public static void failed(Throwable error, String configName) {
        Hook hook = byConfigName(configName);
        if (hook == null) {
            Log.error("unknown hook '" + configName + "' failed", error);
            return;
        }
        hook.fail(error);
    }

    public synchronized void fail(Throwable error) {
        if (!on) return;
        on = false;
        Log.error("instrumentation '" + configName + "' failed and is switched off for this process", error);
    }

    /** For tests: switch a hook back on. */
    public void reset() {
        on = true;
    }

    public static Hook byConfigName(String name) {
        for (Hook hook : values()) {
            if (hook.configName.equals(name)) return hook;
        }
        return null;
    }
}
