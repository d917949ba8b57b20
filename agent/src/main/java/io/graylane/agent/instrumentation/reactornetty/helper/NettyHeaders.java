package io.graylane.agent.instrumentation.reactornetty.helper;

import io.graylane.core.InboundRequest;
import io.graylane.core.TrafficContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * Reads and adds graylane's headers on Netty's {@code HttpHeaders} under names Netty does not hash again: each
 * configured name as an {@code AsciiString}, whose hash Netty's header maps take from the name itself (a
 * {@code String} name is hashed at every look-up) and whose characters Netty checks faster when one is added. The
 * names are found by the configured {@code String}'s own (cached) hash and its identity, in a table of fixed size;
 * a name without a slot of its own is used as it is. An injected helper.
 */
public final class NettyHeaders {

    private static final int SLOTS = 256;
    /** Slot {@code hash & (SLOTS - 1)}: the first name that fell there; entries are immutable, safe to publish by a race. */
    private static final Name[] NAMES = new Name[SLOTS];

    private NettyHeaders() {}

    /** Sets each header of {@code in} to its value in {@code headers} (null when absent). */
    public static void read(InboundRequest in, HttpHeaders headers) {
        for (int i = 0; i < in.size(); i++) in.set(i, headers.get(name(in.name(i))));
    }

    /**
     * {@code context} after the look-ups it asks of the request's headers (what the application set wins), its
     * headers added where the request lacks them.
     */
    public static void addMissing(HttpHeaders headers, TrafficContext context) {
        for (int i = 0; i < context.lookups(); i++) {
            context = context.lookup(i, headers.get(name(context.lookupName(i))));
        }
        for (int i = 0; i < context.size(); i++) {
            CharSequence name = name(context.name(i));
            if (!headers.contains(name)) headers.add(name, context.value(i));
        }
    }

    /** {@code name} as an {@code AsciiString} when it has a slot (or gets the free one), else itself. */
    static CharSequence name(String name) {
        int slot = name.hashCode() & (SLOTS - 1);
        Name known = NAMES[slot];
        if (known != null) return known.source == name ? known.ascii : name;
        known = new Name(name);
        NAMES[slot] = known;
        return known.ascii;
    }

    private static final class Name {
        final String source;
        final AsciiString ascii;

        Name(String source) {
            this.source = source;
            this.ascii = AsciiString.cached(source);
        }
    }
}
