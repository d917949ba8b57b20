package io.graylane.agent.instrumentation.reactor.helper;

import io.graylane.core.Traffic;
import io.graylane.core.hook.Hook;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.Scannable;

import java.util.function.BiFunction;
import java.util.function.Predicate;

import static io.graylane.agent.instrumentation.reactor.helper.PublisherKind.KIND;
import static io.graylane.agent.instrumentation.reactor.helper.PublisherKind.MULTICAST;
import static io.graylane.agent.instrumentation.reactor.helper.PublisherKind.PUBLISHER;
import static io.graylane.agent.instrumentation.reactor.helper.PublisherKind.REACTOR;
import static io.graylane.agent.instrumentation.reactor.helper.PublisherKind.SCALAR;
import static io.graylane.agent.instrumentation.reactor.helper.PublisherKind.SCANNABLE;

/**
 * Registered with {@code Hooks.onEachOperator} (through {@code Operators.liftPublisher}): when a chain is subscribed,
 * the publishers where a signal can arrive on another thread or from another subscription hand their signals on
 * through a {@link ContextSubscriber} holding the context current at that moment. An injected helper.
 *
 * <p>Which publishers: a thread can change only where a signal enters the chain (a source such as a Netty read,
 * {@code fromFuture}, {@code create}, a sink or any publisher that is not reactor-core's) or where one upstream feeds
 * several subscribers ({@code cache}, {@code share}, {@code publish}, {@code replay}, processors): those are lifted
 * when they are assembled. Operators between them run inside the signal of their upstream and so under its context;
 * hops through a Reactor scheduler ({@code publishOn}, {@code subscribeOn}, {@code delay*}, {@code timeout}) carry the
 * context through {@link ScheduleHook}. Lifting every operator instead cost a WebFlux service about 45 us of CPU per
 * request: a wrapper per operator, lost operator fusion and two thread-local lookups per signal per operator.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public final class ContextLifter
        implements Predicate<Publisher>, BiFunction<Publisher, CoreSubscriber, CoreSubscriber> {

    public static final ContextLifter INSTANCE = new ContextLifter();
    /** The key of graylane's hooks in {@code Hooks} and {@code Schedulers}. */
    public static final String KEY = "io.graylane";

    private ContextLifter() {}

    /** At assembly: is {@code publisher} a place where signals may arrive outside the subscriber's context? */
    @Override
    public boolean test(Publisher publisher) {
        try {
            int kind = KIND.get(publisher.getClass());
            // just, empty, error: the value is there at subscription, on the subscriber's thread
            if ((kind & SCALAR) != 0) return false;
            if ((kind & MULTICAST) != 0) return true;
            Object parent = (kind & SCANNABLE) != 0 ? ((Scannable) publisher).scanUnsafe(Scannable.Attr.PARENT) : null;
            if (parent == null) return true;
            int parentKind = KIND.get(parent.getClass());
            // a library's own publisher (Reactor Netty's reads, an adapted foreign publisher)
            if ((parentKind & (PUBLISHER | REACTOR)) != (PUBLISHER | REACTOR)) return true;
            if ((parentKind & SCALAR) != 0) return false;
            // a reactor-core source that was never assembled, so never lifted (a sink's or processor's view)
            return (parentKind & SCANNABLE) == 0 || ((Scannable) parent).scanUnsafe(Scannable.Attr.PARENT) == null;
        } catch (Throwable t) {
            Hook.REACTOR.fail(t);
            return false;
        }
    }

    /** At subscription: the subscriber of a lifted publisher gets its signals under the context current now. */
    @Override
    public CoreSubscriber apply(Publisher publisher, CoreSubscriber actual) {
        if (actual instanceof ContextSubscriber || !Hook.REACTOR.isOn()) return actual;
        try {
            return new ContextSubscriber(actual, Traffic.current());
        } catch (Throwable t) {
            Hook.REACTOR.fail(t);
            return actual;
        }
    }
}
