package io.graylane.samples;

import java.util.function.UnaryOperator;

/** One stdout line per request with the headers graylane cares about (and, for a shadow copy, its Host). */
final class AccessLog {

    private AccessLog() {
    }

    /** {@code header} looks up a request header by name and returns null when absent. */
    static void log(String service, String method, String path, UnaryOperator<String> header) {
        System.out.println("[" + service + "] " + method + " " + path
                + " label=" + orDash(header.apply("x-asm-traffic-tag"))
                + " x-request-id=" + orDash(header.apply("x-request-id"))
                + " traceparent=" + orDash(header.apply("traceparent"))
                + ("1".equals(header.apply("x-graylane-mirror")) ? " shadow-copy host=" + header.apply("host") : ""));
    }

    private static String orDash(String value) {
        return value != null ? value : "-";
    }
}
