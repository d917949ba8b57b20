package io.graylane.core;

import io.graylane.core.hook.Hook;
import io.graylane.core.mirror.ShadowCapture;

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
    /** The hook that asked for this reader, for the counters. */
    private Hook hook;
    private String[] values = new String[0];
    private boolean open;
    /** The selected request's capture, from {@link #mirror} until the scope closes. */
    private ShadowCapture capture;
    /** This thread's reader of received messages (records of a message queue), made when first needed. */
    private ReceivedMessage message;
    /** Whether a received record's context is current ({@link Traffic#beginRecord}), and what the thread had before. */
    boolean inRecord;
    TrafficContext beforeRecord;
    /** Listener calls ({@link Traffic#enterListener}) in progress: records reached meanwhile change nothing. */
    int listenerDepth;

    /**
     * Makes {@code context} current on this thread, whose state this is ({@link Traffic#thread}), and returns the one
     * it replaces; swapping that one back puts the thread as it was.
     */
    public TrafficContext swap(TrafficContext context) {
        TrafficContext previous = current;
        current = context;
        return previous;
    }

    boolean isOpen() {
        return open;
    }

    ReceivedMessage message(Inbound resolver) {
        ReceivedMessage m = message;
        if (m == null || !m.uses(resolver)) {
            m = new ReceivedMessage(resolver);
            message = m;
        }
        return m;
    }

    InboundRequest prepare(Inbound resolver, Hook hook) {
        this.hook = hook;
        String[] names = resolver.headerNames();
        if (values.length != names.length) {
            values = new String[names.length];
        } else {
            Arrays.fill(values, null);
        }
        inbound = resolver;
        if (capture != null) {
            // a hook that failed between mirror() and open(): that request is not copied
            capture.abandon("the request's hook failed", null);
            capture = null;
        }
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
        TrafficContext context = inbound.resolve(values, hook);
        if (capture != null) capture.resolvedLabel(context.label());
        Arrays.fill(values, null);
        current = context;
        open = true;
        return this;
    }

    /**
     * Whether this request may be mirrored: mirroring is on and the request (its headers set, not yet opened) is
     * not a shadow copy. Cheap; a hook asks it before anything else about mirroring.
     */
    public boolean mirrorCandidate() {
        return inbound.mirror != null && !open && !inbound.isShadow(values);
    }

    /**
     * Decides whether the request is copied (graylane.mirror.percentage over graylane.mirror.sample-key), after its
     * headers are set and before {@link #open}. Returns the capture the hook's request wrapper fills, or null. The
     * capture learns the request's label in {@link #open} and is finished when this scope closes.
     */
    public ShadowCapture mirror() {
        if (!mirrorCandidate() || capture != null) return null;
        capture = inbound.mirror.select(inbound.sampleKey(values), inbound);
        return capture;
    }

    /**
     * Ends the request: the thread is left with no context at all, not with whatever it had before.
     * A server thread may have been started under another request's context (pools start threads
     * lazily); it must never hand that on to the work it does next. A mirrored request's copy is
     * then built (or deferred to the end of its async cycle) by its wrapper.
     */
    @Override
    public void close() {
        if (!open) return;
        current = null;
        open = false;
        inRecord = false;
        beforeRecord = null;
        ShadowCapture finished = capture;
        if (finished != null) {
            capture = null;
            finished.primaryReturned();
        }
    }
}
