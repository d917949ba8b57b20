package io.graylane.core;

import java.util.Arrays;

/**
 * The traffic state of one thread, and the reader an inbound hook fills: one instance per thread,
 * reused for every request that thread serves, so opening a request context allocates only the
 * context itself.
 *
 * <pre>
 * InboundRequest in = Traffic.inbound(Hook.SERVLET);   // null when nested or switched off
 * if (in != null) {
 *     for (int i = 0; i &lt; in.size(); i++) in.set(i, request.getHeader(in.name(i)));
 *     scope = in.open();
 * }
 * ... finally scope.close();
 * </pre>
 */
public final class InboundRequest implements Scope {

    /** The context work on this thread runs under; null outside any request. */
    TrafficContext current;

    private Inbound inbound;
    private String[] values = new String[0];
    private boolean open;

    boolean isOpen() {
        return open;
    }

    InboundRequest prepare(Inbound resolver) {
        String[] names = resolver.headerNames();
        if (values.length != names.length) {
            values = new String[names.length];
        } else {
            Arrays.fill(values, null);
        }
        inbound = resolver;
        return this;
    }

    /** Number of headers to read. */
    public int size() {
        return values.length;
    }

    /** The lower-case name of header {@code i}. */
    public String name(int i) {
        return inbound.headerNames()[i];
    }

    /** The request's value of header {@code i}, or null when absent. */
    public void set(int i, String value) {
        values[i] = value;
    }

    /** Resolves the label, makes the request's context current and returns the scope to close at the end. */
    public Scope open() {
        TrafficContext context = inbound.resolve(values);
        Arrays.fill(values, null);
        current = context;
        open = true;
        return this;
    }

    /**
     * Ends the request: the thread is left with no context at all, not with whatever it had before.
     * A server thread may have been started under another request's context (pools start threads
     * lazily); it must never hand that on to the work it does next.
     */
    @Override
    public void close() {
        if (!open) return;
        current = null;
        open = false;
    }
}
