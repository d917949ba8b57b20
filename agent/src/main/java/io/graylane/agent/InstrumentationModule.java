package io.graylane.agent;

import io.graylane.core.hook.Hook;
import net.bytebuddy.agent.builder.AgentBuilder;

/** One instrumented library: which types and methods get which advice. */
public interface InstrumentationModule {

    /** The switch and the {@code graylane.instrumentation.NAME.enabled} key this module answers to. */
    Hook hook();

    /** Adds this module's type matchers and advice to the builder. */
    AgentBuilder extend(AgentBuilder builder, Advices advices) throws ReflectiveOperationException;
}
