package io.graylane.agent.instrumentation.reactornetty.helper;

import io.graylane.core.TrafficContext;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.netty.http.client.HttpClientRequest;
import reactor.util.context.Context;

/**
 * Carries the context a Reactor Netty client request was subscribed under to where the request is written, on an
 * event loop, through Reactor's own subscriber context: the request's subscriber is wrapped in one whose
 * {@code currentContext()} holds graylane's context under a private key, which Reactor Netty hands to the connection it
 * acquires for each attempt (retries and redirects included) and the request reads back. It lives exactly as long as
 * the request: nothing is kept in a table, nothing is left for the collector to clear. The key is seen only by Reactor
 * Netty's operators above the request, never by the application's chain below it. An injected helper.
 */
public final class ClientContext<T> implements CoreSubscriber<T> {

    /** The key in Reactor's context: this class, which no application has a use for as a key. */
    private static final Object KEY = ClientContext.class;

    private final CoreSubscriber<? super T> actual;
    private final Context context;

    private ClientContext(CoreSubscriber<? super T> actual, Context context) {
        this.actual = actual;
        this.context = context;
    }

    /** {@code actual}, with {@code recorded} in its Reactor context; {@code actual} itself when there is none. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static CoreSubscriber wrap(CoreSubscriber actual, TrafficContext recorded) {
        if (actual == null || recorded == null) return actual;
        return new ClientContext(actual, actual.currentContext().put(KEY, recorded));
    }

    /** The context the request was subscribed under, or null when there was none. */
    public static TrafficContext of(HttpClientRequest request) {
        Object recorded = request.currentContextView().getOrDefault(KEY, null);
        return recorded instanceof TrafficContext ? (TrafficContext) recorded : null;
    }

    @Override
    public Context currentContext() {
        return context;
    }

    @Override
    public void onSubscribe(Subscription s) {
        actual.onSubscribe(s);
    }

    @Override
    public void onNext(T t) {
        actual.onNext(t);
    }

    @Override
    public void onError(Throwable error) {
        actual.onError(error);
    }

    @Override
    public void onComplete() {
        actual.onComplete();
    }
}
