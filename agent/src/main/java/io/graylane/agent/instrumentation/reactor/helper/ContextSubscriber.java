package io.graylane.agent.instrumentation.reactor.helper;

import io.graylane.core.InboundRequest;
import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.hook.Hook;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.util.context.Context;

/**
 * Sits between two operators of a reactive chain and delivers every signal under the context that was current when
 * the chain was subscribed, on whichever thread the signal arrives (an event loop, a scheduler worker, a timer), then
 * gives the thread back what it had (nothing to give back for a signal that arrived under that context already, passed
 * on by another one of these on the same thread). A chain subscribed outside any request delivers its signals with no
 * context, so a signal never runs under the context some other request left on the emitting thread. An injected helper.
 */
public final class ContextSubscriber<T> implements CoreSubscriber<T> {

    private final CoreSubscriber<? super T> actual;
    /** Null: the chain was subscribed outside any request. */
    private final TrafficContext context;

    private ContextSubscriber(CoreSubscriber<? super T> actual, TrafficContext context) {
        this.actual = actual;
        this.context = context;
    }

    /**
     * {@code actual}, delivering its signals under the context current now; {@code actual} itself when it already
     * is one (a source subscribed by another entry point right below it) or when anything goes wrong.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static CoreSubscriber wrap(CoreSubscriber actual) {
        if (actual == null || actual instanceof ContextSubscriber) return actual;
        try {
            return new ContextSubscriber(actual, Traffic.current());
        } catch (Throwable t) {
            Hook.REACTOR.fail(t);
            return actual;
        }
    }

    @Override
    public void onSubscribe(Subscription s) {
        // the upstream's own subscription, so that operators still fuse (a fused queue is drained by the thread
        // that a signal or a scheduled task, both carrying the context, runs on)
        InboundRequest thread = Traffic.thread(context);
        TrafficContext previous = thread == null ? null : thread.swap(context);
        try {
            actual.onSubscribe(s);
        } finally {
            if (previous != context) thread.swap(previous);
        }
    }

    @Override
    public void onNext(T t) {
        InboundRequest thread = Traffic.thread(context);
        TrafficContext previous = thread == null ? null : thread.swap(context);
        try {
            actual.onNext(t);
        } finally {
            if (previous != context) thread.swap(previous);
        }
    }

    @Override
    public void onError(Throwable error) {
        InboundRequest thread = Traffic.thread(context);
        TrafficContext previous = thread == null ? null : thread.swap(context);
        try {
            actual.onError(error);
        } finally {
            if (previous != context) thread.swap(previous);
        }
    }

    @Override
    public void onComplete() {
        InboundRequest thread = Traffic.thread(context);
        TrafficContext previous = thread == null ? null : thread.swap(context);
        try {
            actual.onComplete();
        } finally {
            if (previous != context) thread.swap(previous);
        }
    }

    /** Reactor's own subscriber context (what {@code contextWrite} put) is the downstream's, untouched. */
    @Override
    public Context currentContext() {
        return actual.currentContext();
    }
}
