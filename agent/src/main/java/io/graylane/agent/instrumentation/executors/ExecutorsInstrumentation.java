package io.graylane.agent.instrumentation.executors;

import io.graylane.agent.Advices;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeFilter;
import io.graylane.core.hook.Hook;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperClass;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameEndsWith;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * The JDK's hand-off points. Work carries the context of the code that submitted it: Runnables and
 * Callables given to thread pools are wrapped; threads, fork/join tasks, completion stages and timer
 * tasks (which cannot be wrapped) get their context recorded when handed off and applied when they
 * run. Pools create worker threads with no context, so a worker never inherits a request's.
 * These JDK types are loaded by every JVM: they are instrumented once another module's library
 * shows up (see {@link #followsOtherModules()}).
 */
public final class ExecutorsInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.executors.";
    private static final String RUNNABLE = "java.lang.Runnable";
    private static final String CALLABLE = "java.util.concurrent.Callable";
    private static final String FORK_JOIN_TASK = "java.util.concurrent.ForkJoinTask";

    @Override
    public Hook hook() {
        return Hook.EXECUTORS;
    }

    @Override
    public boolean followsOtherModules() {
        return true;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        TimerThreadTransformer timerThread = new TimerThreadTransformer();
        Hook hook = hook();
        rules
                .named("java.util.concurrent.ThreadPoolExecutor")
                .transform(advices.advice(hook, named("execute").and(takesArguments(1))
                        .and(takesArgument(0, named(RUNNABLE))), PACKAGE + "WrapRunnableAdvice"))
                .transform(advices.advice(hook, named("addWorker").and(takesArguments(2)), PACKAGE + "NoContextAdvice"))

                .named("java.util.concurrent.ScheduledThreadPoolExecutor")
                .transform(advices.advice(hook, namedOneOf("schedule", "scheduleAtFixedRate", "scheduleWithFixedDelay")
                        .and(takesArgument(0, named(RUNNABLE))), PACKAGE + "WrapRunnableAdvice"))
                .transform(advices.advice(hook, named("schedule").and(takesArgument(0, named(CALLABLE))),
                        PACKAGE + "WrapCallableAdvice"))

                .named("java.util.concurrent.ForkJoinPool")
                .transform(advices.advice(hook, namedOneOf("execute", "submit").and(takesArgument(0, named(RUNNABLE))),
                        PACKAGE + "ForkJoinRunnableAdvice"))
                .transform(advices.advice(hook, named("submit").and(takesArguments(1)).and(takesArgument(0, named(CALLABLE))),
                        PACKAGE + "WrapCallableAdvice"))
                .transform(advices.advice(hook, namedOneOf("execute", "submit", "invoke", "externalSubmit", "lazySubmit")
                        .and(takesArguments(1)).and(takesArgument(0, named(FORK_JOIN_TASK))), PACKAGE + "RecordTaskArgumentAdvice"))
                .transform(advices.advice(hook, named("createWorker").and(takesArguments(0)), PACKAGE + "NoContextAdvice"))

                .named(FORK_JOIN_TASK)
                .transform(advices.advice(hook, named("fork").and(takesArguments(0)), PACKAGE + "RecordThisAdvice"))
                .transform(advices.advice(hook, named("doExec").and(takesArguments(0)), PACKAGE + "RunRecordedOnceAdvice"))

                // dependent stages run on whichever thread completes their source; Signaller only wakes a waiter
                .type(TypeFilter.nameStartsWith("java.util.concurrent.CompletableFuture$"), not(isAbstract())
                        .and(not(named("java.util.concurrent.CompletableFuture$Signaller")))
                        .and(hasSuperClass(named("java.util.concurrent.CompletableFuture$Completion"))))
                .transform(advices.advice(hook, isConstructor(), PACKAGE + "RecordConstructedAdvice"))
                .transform(advices.advice(hook, named("tryFire").and(takesArguments(1)), PACKAGE + "RunRecordedAdvice"))

                .named("java.lang.Thread", "java.lang.VirtualThread")
                .transform(advices.advice(hook, named("start").and(takesArguments(0)
                        .or(takesArguments(1).and(takesArgument(0, named("jdk.internal.vm.ThreadContainer"))))),
                        PACKAGE + "RecordThisAdvice"))
                .transform(advices.advice(hook, named("run").and(takesArguments(0).or(takesArguments(1)
                        .and(takesArgument(0, named(RUNNABLE))))).and(not(isAbstract())), PACKAGE + "RunRecordedOnceAdvice"))

                // a Netty event loop's thread starts with the loop's first task, often inside a request (a client's
                // first call) and then runs for the life of the loop: it must not keep that request's context (Netty
                // itself, and shaded copies of it, as in grpc-netty-shaded)
                .type(TypeFilter.anyName().nameContains("netty.util.concurrent.").declaring("startThread"),
                        nameEndsWith("netty.util.concurrent.SingleThreadEventExecutor")
                                .or(nameEndsWith("netty.util.concurrent.GlobalEventExecutor")))
                .transform(advices.advice(hook, named("startThread").and(takesArguments(0)), PACKAGE + "NoContextAdvice"))

                .named("java.util.Timer")
                .transform(advices.advice(hook, named("sched").and(takesArguments(3)), PACKAGE + "RecordTaskArgumentAdvice"))
                .named("java.util.TimerThread")
                .transform(timerThread);
    }
}
