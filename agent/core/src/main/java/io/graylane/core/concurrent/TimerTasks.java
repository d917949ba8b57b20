package io.graylane.core.concurrent;

import java.util.TimerTask;

/**
 * The timer thread's call of {@code task.run()} is replaced by a call of {@link #run}, so a timer
 * task runs under the context it was scheduled with, without matching every TimerTask subclass.
 */
public final class TimerTasks {

    private TimerTasks() {}

    public static void run(TimerTask task) {
        Object token = TaskContexts.enter(task);
        try {
            task.run();
        } finally {
            TaskContexts.leave(token);
        }
    }
}
