package io.graylane.core.concurrent;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;

import java.util.TimerTask;

/**
 * The timer thread's call of {@code task.run()} is replaced by a call of {@link #run}, so a timer
 * task runs under the context it was scheduled with, without matching every TimerTask subclass.
 */
public final class TimerTasks {

    private TimerTasks() {}

    public static void run(TimerTask task) {
        TrafficContext recorded = Hook.EXECUTORS.isOn() ? TaskContexts.peek(task) : null;
        if (recorded == null) {
            task.run();
            return;
        }
        TrafficContext previous = Traffic.replay(recorded);
        try {
            task.run();
        } finally {
            Traffic.restore(previous);
        }
    }
}
