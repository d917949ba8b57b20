package io.graylane.agent;

import io.graylane.core.hook.Hook;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.constant.TextConstant;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.jar.JarFile;

/**
 * Makes the transformers that inline a module's advice. Advice is referenced by class name and read
 * from the agent jar, so no library type is ever loaded by the agent. Any throwable raised by the
 * advice is caught in place and handed to {@link Hook#failed}, which logs it once and switches the
 * module's hook off: the application's call goes on untouched.
 *
 * <p>Nothing of Byte Buddy's advice machinery is touched before the first type is transformed.
 */
public final class Advices {

    private final JarFile jar;
    private volatile ClassFileLocator agentJar;
    private final TypePoolCache pools;
    private final HelperInjector.Injection injection;
    private final Method hookFailed;

    Advices(JarFile jar, TypePoolCache pools, HelperInjector.Injection injection) throws NoSuchMethodException {
        this.jar = jar;
        this.pools = pools;
        this.injection = injection;
        this.hookFailed = Hook.class.getMethod("failed", Throwable.class, String.class);
    }

    /** Inlines {@code adviceClass} into the methods matched, on behalf of {@code hook}. */
    public TypeTransformer advice(Hook hook, ElementMatcher<? super MethodDescription> methods, String adviceClass) {
        return new AdviceTransformer(hook.configName(), methods, adviceClass);
    }

    /**
     * A transformer that defines the helper classes named (see {@link HelperInjector}) in the class loader of
     * each type it transforms, once per loader. Put it before the advice that uses them, and use one instance
     * for all the types of a module so each loader is handled once.
     */
    public TypeTransformer helpers(String... classNames) {
        return injection.helpers(classNames);
    }

    private ClassFileLocator agentJar() {
        ClassFileLocator locator = agentJar;
        if (locator == null) {
            locator = new ClassFileLocator.ForJarFile(jar);
            agentJar = locator;
        }
        return locator;
    }

    /** What Byte Buddy's {@code AgentBuilder.Transformer.ForAdvice} does, for one advice class. */
    private final class AdviceTransformer implements TypeTransformer {
        private final String hookName;
        private final ElementMatcher<? super MethodDescription> methods;
        private final String adviceClass;
        private volatile Advice.ExceptionHandler onFailure;
        /** The advice as made for JDK types, which many take (CompletableFuture's completions). */
        private volatile Advice forBootstrapLoader;
        /**
         * The advice as made for the class loader of the type transformed last: a library's classes load in runs from
         * one loader (Reactor's publishers, a container's filters), each would otherwise read and parse the advice
         * class again. The advice holds type descriptions read through a locator that holds its loader weakly, and the
         * loader is held weakly here: an undeployed application's loader stays collectable.
         */
        private volatile LoaderAdvice last;

        AdviceTransformer(String hookName, ElementMatcher<? super MethodDescription> methods, String adviceClass) {
            this.hookName = hookName;
            this.methods = methods;
            this.adviceClass = adviceClass;
        }

        @Override
        public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader classLoader,
                                                ProtectionDomain protectionDomain) {
            Advice advice;
            if (classLoader == null) {
                advice = forBootstrapLoader;
                if (advice == null) forBootstrapLoader = advice = make(null);
            } else {
                LoaderAdvice cached = last;
                if (cached != null && cached.loader.get() == classLoader) {
                    advice = cached.advice;
                } else {
                    advice = make(classLoader);
                    last = new LoaderAdvice(classLoader, advice);
                }
            }
            return builder.visit(advice.on(methods));
        }

        private Advice make(ClassLoader classLoader) {
            // the advice's own types resolve from the agent jar, the library types it names from the instrumented loader
            ClassFileLocator locator = new ClassFileLocator.Compound(agentJar(), ClassFileLocator.ForClassLoader.WeaklyReferenced.of(classLoader));
            TypePool pool = pools.typePool(locator, classLoader);
            return Advice.to(pool.describe(adviceClass).resolve(), locator).withExceptionHandler(exceptionHandler());
        }

        private Advice.ExceptionHandler exceptionHandler() {
            Advice.ExceptionHandler handler = onFailure;
            if (handler == null) {
                handler = new Advice.ExceptionHandler.Simple(new StackManipulation.Compound(new TextConstant(hookName),
                        MethodInvocation.invoke(new MethodDescription.ForLoadedMethod(hookFailed))));
                onFailure = handler;
            }
            return handler;
        }

        @Override
        public String changes() {
            return "advice " + adviceClass + " on " + methods + " for " + hookName;
        }

        @Override
        public String toString() {
            return "advice " + adviceClass;
        }
    }

    /** An advice and the class loader (held weakly) it was made for. */
    private static final class LoaderAdvice {
        final WeakReference<ClassLoader> loader;
        final Advice advice;

        LoaderAdvice(ClassLoader loader, Advice advice) {
            this.loader = new WeakReference<>(loader);
            this.advice = advice;
        }
    }
}
