package io.graylane.otel;

import io.graylane.core.log.Log;

/**
 * graylane's part of the agent never lets an exception reach the application: a part that throws
 * is logged once and switched off for the life of the process, and the application runs on as
 * OpenTelemetry alone would run it.
 */
final class Switch {

    private final String name;
    private volatile boolean on = true;

    Switch(String name) {
        this.name = name;
    }

    boolean isOn() {
        return on;
    }

    synchronized void failed(Throwable error) {
        if (!on) return;
        on = false;
        Log.error(name + " failed and is switched off for this process", error);
    }
}
