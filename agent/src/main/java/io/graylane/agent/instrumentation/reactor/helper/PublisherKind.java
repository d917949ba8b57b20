package io.graylane.agent.instrumentation.reactor.helper;

import org.reactivestreams.Processor;
import org.reactivestreams.Publisher;
import reactor.core.Fuseable;
import reactor.core.Scannable;
import reactor.core.publisher.ConnectableFlux;

/**
 * What a publisher's class is, as bits, worked out once per class for {@link ContextLifter}'s test, which runs at
 * every assembly: interface checks against Reactor's many-interface classes cost more than the rest of it together.
 * An injected helper.
 */
final class PublisherKind extends ClassValue<Integer> {

    static final PublisherKind KIND = new PublisherKind();

    /** just, empty, error: the value is there at subscription. */
    static final int SCALAR = 1;
    /** One upstream, several subscribers: cache, publish, replay, refCount, autoConnect, processors. */
    static final int MULTICAST = 2;
    /** reactor-core's own. */
    static final int REACTOR = 4;
    static final int SCANNABLE = 8;
    static final int PUBLISHER = 16;

    private static final String REACTOR_PUBLISHERS = "reactor.core.publisher.";

    private PublisherKind() {}

    @Override
    protected Integer computeValue(Class<?> type) {
        String name = type.getName();
        boolean reactor = name.startsWith(REACTOR_PUBLISHERS);
        String simpleName = reactor ? name.substring(REACTOR_PUBLISHERS.length()) : "";
        boolean multicast = ConnectableFlux.class.isAssignableFrom(type) || Processor.class.isAssignableFrom(type)
                || simpleName.startsWith("MonoCache") || simpleName.startsWith("FluxRefCount")
                || simpleName.startsWith("FluxAutoConnect");
        return (Fuseable.ScalarCallable.class.isAssignableFrom(type) ? SCALAR : 0)
                | (multicast ? MULTICAST : 0)
                | (reactor ? REACTOR : 0)
                | (Scannable.class.isAssignableFrom(type) ? SCANNABLE : 0)
                | (Publisher.class.isAssignableFrom(type) ? PUBLISHER : 0);
    }
}
