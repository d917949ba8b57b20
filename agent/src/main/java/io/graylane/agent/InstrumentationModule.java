package io.graylane.agent;

import io.graylane.core.hook.Hook;

/** One instrumented library: which types and methods get which advice. */
public interface InstrumentationModule {

    /** The switch and the {@code graylane.instrumentation.NAME.enabled} key this module answers to. */
    Hook hook();

    /** Adds this module's rules: type filters and matchers, advice and other transformers. */
    void extend(Rules rules, Advices advices) throws ReflectiveOperationException;

    /**
     * True for a module whose hooks only carry contexts that other modules' hooks open (work handed to another
     * thread): its types are instrumented from the moment the first type of another module is, never before, since
     * until then no context can exist. A JVM that never loads an instrumented library (a command-line tool, hello
     * world) thus never instruments the JDK's thread classes it always loads, and never starts Byte Buddy.
     */
    default boolean followsOtherModules() {
        return false;
    }
}
