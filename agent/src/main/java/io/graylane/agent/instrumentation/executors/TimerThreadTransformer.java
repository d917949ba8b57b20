package io.graylane.agent.instrumentation.executors;

import io.graylane.agent.TypeTransformer;
import io.graylane.core.concurrent.TimerTasks;
import net.bytebuddy.asm.MemberSubstitution;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.TimerTask;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * In {@code java.util.TimerThread.mainLoop}, {@code task.run()} becomes {@code TimerTasks.run(task)}:
 * one JDK method changed instead of a hierarchy match over every class the application loads.
 */
final class TimerThreadTransformer implements TypeTransformer {

    private final Method replacement;

    TimerThreadTransformer() throws NoSuchMethodException {
        replacement = TimerTasks.class.getMethod("run", TimerTask.class);
    }

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                                            ProtectionDomain domain) {
        return builder.visit(MemberSubstitution.relaxed()
                .method(named("run").and(takesArguments(0)).and(isDeclaredBy(named("java.util.TimerTask"))))
                .replaceWith(new MethodDescription.ForLoadedMethod(replacement))
                .on(named("mainLoop")));
    }
}
