package io.graylane.core;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Hands a context from the thread that starts an asynchronous operation to the thread that completes it, keyed by
 * the library's own object for that operation (a future), for libraries that keep no per-call attributes where
 * advice could leave it. Keys compare by identity, as futures do; the keys are weak, so an operation that never
 * completes does not keep its entry alive.
 */
public final class Handoff {

    private static final Map<Object, TrafficContext> BY_OPERATION = Collections.synchronizedMap(new WeakHashMap<>());

    private Handoff() {}

    /** Remembers {@code context} for {@code operation}; null arguments are ignored. */
    public static void put(Object operation, TrafficContext context) {
        if (operation != null && context != null) BY_OPERATION.put(operation, context);
    }

    /** The context remembered for {@code operation}, forgotten as it is returned; null when there is none. */
    public static TrafficContext take(Object operation) {
        return operation == null ? null : BY_OPERATION.remove(operation);
    }

    /** For tests: how many operations are waiting. */
    static int pending() {
        return BY_OPERATION.size();
    }
}
