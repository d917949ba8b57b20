package io.graylane.agent.instrumentation.dubbo;

import io.graylane.core.Traffic;
import net.bytebuddy.asm.Advice;
import org.apache.dubbo.config.AbstractServiceConfig;

/**
 * {@code AbstractInterfaceConfig.getTag()} of a service or provider config ({@code graylane.route.dubbo-tag}): a
 * provider outside the base lane is exported, and registered, with its lane as Dubbo tag ({@code dubbo.tag} in its
 * URL), unless the application set a tag itself. Reference (consumer) configs are left alone: a consumer's tag is
 * per call, the request's label.
 */
public final class DubboServiceTagAdvice {

    private DubboServiceTagAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.This Object config, @Advice.Return(readOnly = false) String tag) {
        if (tag == null && config instanceof AbstractServiceConfig) tag = Traffic.dubboProviderTag();
    }
}
