package io.graylane.agent.instrumentation.reactor;

import io.graylane.agent.Advices;
import io.graylane.agent.ClassLoaders;
import io.graylane.agent.InstrumentationModule;
import io.graylane.agent.Rules;
import io.graylane.agent.TypeFilter;
import io.graylane.agent.TypeTransformer;
import io.graylane.core.hook.Hook;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isTypeInitializer;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

/**
 * reactor-core 3.4 to 3.8: the context follows the reactive chain, not the thread. A signal can reach a chain on
 * another thread, or under another request's context, only where it enters the chain: at a source (a Netty read,
 * {@code fromFuture}, {@code create}, a sink, {@code fromIterable}, {@code Flux.zip}, any {@code Flux} or {@code Mono}
 * that is not reactor-core's own) or where one upstream feeds several subscribers ({@code cache}, {@code share},
 * {@code publish}, {@code replay}, {@code refCount}, {@code autoConnect}, processors); not at {@code defer} or
 * {@code fromRunnable}, which deliver nothing of their own after {@code subscribe} returns, nor at {@code then},
 * {@code Mono.zip} and {@code firstWithSignal}, which deliver only inside the signals of the Fluxes and Monos they
 * subscribe. Those publishers' {@code subscribe} (and {@code subscribeOrReturn}, through which reactor-core subscribes
 * a chain of its own operators) wrap their subscriber in a {@code ContextSubscriber} holding the context current at
 * subscription; operators in between ({@code map}, {@code flatMap}, ...) are not touched and run inside their
 * upstream's signal. Nothing runs when a chain is assembled. When {@code Schedulers} initialises, a schedule hook
 * makes every task given to a Reactor scheduler run under the context of the code that scheduled it. The helpers are
 * defined in each instrumented class's loader.
 */
public final class ReactorInstrumentation implements InstrumentationModule {

    private static final String PACKAGE = "io.graylane.agent.instrumentation.reactor.";
    private static final String HELPER = PACKAGE + "helper.";
    private static final String PUBLISHERS = "reactor.core.publisher.";
    private static final String FLUX = PUBLISHERS + "Flux";
    private static final String MONO = PUBLISHERS + "Mono";
    private static final String SUBSCRIBE_DESCRIPTOR = "(Lreactor/core/CoreSubscriber;)V";

    @Override
    public Hook hook() {
        return Hook.REACTOR;
    }

    @Override
    public void extend(Rules rules, Advices advices) {
        TypeTransformer helpers = advices.helpers(HELPER + "ContextSubscriber", HELPER + "ScheduleHook");
        TypeTransformer subscribe = advices.advice(hook(), subscribeMethods(), PACKAGE + "PublisherSubscribeAdvice");
        // reactor-core's own entry points
        rules
                .type(TypeFilter.nameStartsWith(PUBLISHERS).declaring("subscribe").extending(FLUX, MONO),
                        concretePublisher().and(multicast().or(not(operator())))
                                .and(not(deliversWithinSubscribe())).and(not(combinesFluxesAndMonos())))
                .transform(helpers)
                .transform(subscribe)
                // a Flux or Mono of another library (Reactor Netty's reads and connections, Spring's publishers), its
                // operators too: one may hand signals on from a thread of its own
                // (only in loaders that see reactor-core: without that gate, any class loaded anywhere would pass the
                // name test, so every JVM would start instrumenting, and load Byte Buddy, at start-up)
                .type(TypeFilter.anyName().declaring(SUBSCRIBE_DESCRIPTOR).extending(FLUX, MONO),
                        not(nameStartsWith(PUBLISHERS)).and(concretePublisher()), ClassLoaders.canSee(FLUX))
                .transform(helpers)
                .transform(subscribe)
                .named("reactor.core.scheduler.Schedulers")
                .transform(helpers)
                .transform(advices.advice(hook(), isTypeInitializer(), PACKAGE + "SchedulersAdvice"));
    }

    /** A Flux or Mono one can subscribe to; not {@code just}, {@code empty}, {@code error} (the value is there at once). */
    private static ElementMatcher.Junction<TypeDescription> concretePublisher() {
        return not(isInterface()).and(not(isAbstract()))
                .and(hasSuperType(namedOneOf(FLUX, MONO)))
                .and(not(hasSuperType(named("reactor.core.Fuseable$ScalarCallable"))));
    }

    /**
     * A publisher that delivers its subscriber's signals only before its {@code subscribe} returns, on the subscribing
     * thread, or hands the subscriber on, in {@code subscribe}, to a Flux or Mono that is itself an entry point or an
     * operator over one: {@code defer}, {@code deferContextual} (both the supplier's publisher, raw ones adapted by
     * {@code from}), {@code fromRunnable} (runs and completes at once). Its subscriber gets every signal under the
     * context of the subscription as it is; a wrapper would only add a call to each signal.
     */
    private static ElementMatcher.Junction<TypeDescription> deliversWithinSubscribe() {
        return namedOneOf(PUBLISHERS + "MonoDefer", PUBLISHERS + "FluxDefer", PUBLISHERS + "MonoDeferContextual",
                PUBLISHERS + "FluxDeferContextual", PUBLISHERS + "MonoRunnable");
    }

    /**
     * A publisher that subscribes only Fluxes and Monos (its operator methods take nothing else), the first inside its
     * own {@code subscribe}, any next one inside a signal of the one before, and delivers only inside their signals:
     * {@code then} ({@code MonoIgnoreThen}), {@code Mono.zip} ({@code MonoZip}), {@code firstWithSignal} and {@code or}
     * ({@code MonoFirstWithSignal}). A source of theirs that can signal from another thread carries the context
     * itself, so a wrapper of their own would only add a call to each signal. Not {@code Flux.concat},
     * {@code Flux.zip}, {@code Mono.when}: they take any {@code Publisher}, which may signal from a thread of its own.
     */
    private static ElementMatcher.Junction<TypeDescription> combinesFluxesAndMonos() {
        return namedOneOf(PUBLISHERS + "MonoIgnoreThen", PUBLISHERS + "MonoZip", PUBLISHERS + "MonoFirstWithSignal");
    }

    /** An operator over one upstream: runs inside its upstream's signals. */
    private static ElementMatcher.Junction<TypeDescription> operator() {
        return hasSuperType(namedOneOf(PUBLISHERS + "FluxOperator", PUBLISHERS + "MonoOperator",
                PUBLISHERS + "MonoFromFluxOperator", PUBLISHERS + "FluxFromMonoOperator",
                PUBLISHERS + "InternalConnectableFluxOperator"));
    }

    /** One upstream, several subscribers. */
    private static ElementMatcher.Junction<TypeDescription> multicast() {
        return hasSuperType(namedOneOf(PUBLISHERS + "ConnectableFlux", "org.reactivestreams.Processor"))
                .or(nameStartsWith(PUBLISHERS + "MonoCache"))
                .or(nameStartsWith(PUBLISHERS + "FluxRefCount"))
                .or(nameStartsWith(PUBLISHERS + "FluxAutoConnect"));
    }

    private static ElementMatcher.Junction<MethodDescription> subscribeMethods() {
        return namedOneOf("subscribe", "subscribeOrReturn").and(not(isAbstract())).and(takesArguments(1))
                .and(takesArgument(0, named("reactor.core.CoreSubscriber")));
    }
}
