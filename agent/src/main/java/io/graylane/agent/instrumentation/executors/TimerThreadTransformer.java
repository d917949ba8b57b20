package io.graylane.agent.instrumentation.executors;

import io.graylane.agent.TypeTransformer;
import io.graylane.core.concurrent.TimerTasks;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.OpenedClassReader;

import java.security.ProtectionDomain;
import java.util.TimerTask;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * In {@code java.util.TimerThread.mainLoop}, {@code task.run()} becomes {@code TimerTasks.run(task)}: one JDK method
 * changed instead of a hierarchy match over every class the application loads. The call is swapped instruction for
 * instruction (both take the task from the stack and return nothing), by a method visitor of its own: Byte Buddy's
 * member substitution did the same for about 20 ms of CPU at a service's start (45 ms of a start pinned to one CPU),
 * most of it setting itself up.
 */
final class TimerThreadTransformer implements TypeTransformer {

    // internal names from the classes (not ASM's Type, whose class a start with every class cached never loads)
    private static final String TIMER_TASK = TimerTask.class.getName().replace('.', '/');
    private static final String TIMER_TASKS = TimerTasks.class.getName().replace('.', '/');
    /** {@code TimerTasks.run(TimerTask)}, which takes the task where {@code task.run()} took it. */
    private static final String RUN_TASK = "(L" + TIMER_TASK + ";)V";

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                                            ProtectionDomain domain) {
        return builder.visit(new AsmVisitorWrapper.ForDeclaredMethods()
                .method(named("mainLoop").and(takesArguments(0)), new AsmVisitorWrapper.ForDeclaredMethods.MethodVisitorWrapper() {
                    @Override
                    public MethodVisitor wrap(TypeDescription instrumentedType, MethodDescription instrumentedMethod,
                                              MethodVisitor methodVisitor, Implementation.Context implementationContext,
                                              TypePool typePool, int writerFlags, int readerFlags) {
                        return new RunThroughTimerTasks(methodVisitor);
                    }
                }));
    }

    @Override
    public String changes() {
        return "TimerThread.mainLoop: TimerTask.run() -> TimerTasks.run(TimerTask)";
    }

    @Override
    public String toString() {
        return changes();
    }

    /** Replaces each {@code invokevirtual TimerTask.run()V} by {@code invokestatic TimerTasks.run(TimerTask)V}. */
    private static final class RunThroughTimerTasks extends MethodVisitor {
        RunThroughTimerTasks(MethodVisitor delegate) {
            super(OpenedClassReader.ASM_API, delegate);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
            if (opcode == Opcodes.INVOKEVIRTUAL && TIMER_TASK.equals(owner) && "run".equals(name) && "()V".equals(descriptor)) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, TIMER_TASKS, "run", RUN_TASK, false);
            } else {
                super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            }
        }
    }
}
