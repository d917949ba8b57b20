package io.graylane.agent.instrumentation.log4j;

import io.graylane.core.Mdc;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.apache.logging.log4j.util.StringMap;

/**
 * {@code ContextDataInjector.injectContextData(properties, reusable)}: graylane's entries go into the map the event
 * will keep, where the application's ThreadContext (and the configuration's properties) have no value under their
 * key. The event's own map is written directly; a map that is not the event's own (the copy-on-write ThreadContext
 * hands out its internal, frozen map) is first copied, so the application's ThreadContext is never changed.
 */
public final class InjectContextDataAdvice {

    private InjectContextDataAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(1) StringMap reusable,
                            @Advice.Return(readOnly = false) StringMap data) {
        if (data == null || !Hook.LOG4J.isOn()) return;
        TrafficContext context = Mdc.context(Hook.LOG4J);
        if (context == null) return;
        String labelKey = Mdc.labelKey();
        String requestIdKey = Mdc.requestIdKey();
        String label = context.label();
        String requestId = Mdc.requestId(context);
        boolean addLabel = label != null && labelKey != null && !data.containsKey(labelKey);
        boolean addRequestId = requestId != null && requestIdKey != null && !data.containsKey(requestIdKey);
        if (!addLabel && !addRequestId) return;
        if (data != reusable || data.isFrozen()) data = new SortedArrayStringMap(data);
        if (addLabel) data.putValue(labelKey, label);
        if (addRequestId) data.putValue(requestIdKey, requestId);
    }
}
