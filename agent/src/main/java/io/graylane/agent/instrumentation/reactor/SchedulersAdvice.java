package io.graylane.agent.instrumentation.reactor;

import io.graylane.agent.instrumentation.reactor.helper.ScheduleHook;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import reactor.core.scheduler.Schedulers;

/** The end of {@code Schedulers}' static initializer: every task given to a Reactor scheduler is wrapped. */
public final class SchedulersAdvice {

    private SchedulersAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit() {
        if (Hook.REACTOR.isOn()) Schedulers.onScheduleHook(ScheduleHook.KEY, ScheduleHook.INSTANCE);
    }
}
