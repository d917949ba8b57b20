package io.graylane.agent;

import io.graylane.core.hook.Hook;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.constant.TextConstant;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Makes the transformers that inline a module's advice. Advice is referenced by class name and read
 * from the agent jar, so no library type is ever loaded by the agent. Any throwable raised by the
 * advice is caught in place and handed to {@link Hook#failed}, which logs it once and switches the
 * module's hook off: the application's call goes on untouched.
 */
public final class Advices {

    private final ClassFileLocator agentJar;
    private final HelperInjector.Injection injection;
    private final MethodDescription hookFailed;

    Advices(ClassFileLocator agentJar, HelperInjector.Injection injection) throws NoSuchMethodException {
        this.agentJar = agentJar;
        this.injection = injection;
        this.hookFailed = new MethodDescription.ForLoadedMethod(Hook.class.getMethod("failed", Throwable.class, String.class));
    }

    /** Inlines {@code adviceClass} into the methods matched, on behalf of {@code hook}. */
    public AgentBuilder.Transformer advice(Hook hook, ElementMatcher<? super MethodDescription> methods, String adviceClass) {
        Advice.ExceptionHandler onFailure = new Advice.ExceptionHandler.Simple(
                new StackManipulation.Compound(new TextConstant(hook.configName()), MethodInvocation.invoke(hookFailed)));
        return new AgentBuilder.Transformer.ForAdvice()
                .include(agentJar)
                .withExceptionHandler(onFailure)
                .advice(methods, adviceClass);
    }

    /**
     * A transformer that defines the helper classes named (see {@link HelperInjector}) in the class loader of
     * each type it transforms, once per loader. Put it before the advice that uses them, and use one instance
     * for all the types of a module so each loader is handled once.
     */
    public AgentBuilder.Transformer helpers(String... classNames) {
        return injection.helpers(classNames);
    }
}
