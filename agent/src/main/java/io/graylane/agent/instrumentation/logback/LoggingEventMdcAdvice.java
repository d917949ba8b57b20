package io.graylane.agent.instrumentation.logback;

import io.graylane.core.Mdc;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;

import java.util.Map;

/**
 * {@code LoggingEvent.getMDCPropertyMap()}: when this call is the one that captures the MDC (the field was null),
 * the event keeps a copy with graylane's entries instead; the application's MDC map is never changed.
 */
public final class LoggingEventMdcAdvice {

    private LoggingEventMdcAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static boolean enter(@Advice.FieldValue("mdcPropertyMap") Map<String, String> captured) {
        return captured == null;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Enter boolean capturing,
                            @Advice.Return(readOnly = false) Map<String, String> map,
                            @Advice.FieldValue(value = "mdcPropertyMap", readOnly = false) Map<String, String> field) {
        if (!capturing) return;
        Map<String, String> extended = Mdc.extend(map, Hook.LOGBACK);
        if (extended != map) {
            field = extended;
            map = extended;
        }
    }
}
