package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import io.graylane.core.mirror.Mirror;

/**
 * The static facade that advice calls. Every method is cheap, never throws on a normal path, and
 * answers "nothing to do" (null) until {@link #start} has run or when the hook is switched off.
 */
public final class Traffic {

    private static final ThreadLocal<InboundRequest> THREAD = new ThreadLocal<>();

    private static volatile Settings settings;

    private Traffic() {}

    /** Applies a configuration; called once by the agent before any hook is installed. */
    public static void start(Config config) {
        Settings previous = settings;
        if (previous != null && previous.inbound.mirror != null) previous.inbound.mirror.stop();
        TrafficResolver resolver = TrafficResolver.create(config, Mirror.of(config));
        settings = new Settings(config, resolver.inbound, resolver.background);
        ShadowGuard.start(config);
    }

    /** For tests: forget the configuration and this thread's state. */
    static void stop() {
        Settings previous = settings;
        if (previous != null && previous.inbound.mirror != null) previous.inbound.mirror.stop();
        settings = null;
        ShadowGuard.stop();
        THREAD.remove();
    }

    /** The mirror, or null when mirroring is off or graylane has not started. */
    public static Mirror mirror() {
        Settings s = settings;
        return s == null ? null : s.inbound.mirror;
    }

    public static Config config() {
        Settings s = settings;
        return s == null ? null : s.config;
    }

    /**
     * The reader for an inbound request on this thread, or null when the hook is off or this
     * thread is already inside an inbound request (filters and servlets nest: only the outermost
     * call opens a context).
     */
    public static InboundRequest inbound(Hook hook) {
        Settings s = settings;
        if (s == null || !hook.isOn()) return null;
        InboundRequest state = THREAD.get();
        if (state == null) {
            state = new InboundRequest();
            THREAD.set(state);
        } else if (state.isOpen()) {
            return null;
        }
        return state.prepare(s.inbound);
    }

    /**
     * What an outbound call should carry: the current request's context, or the background
     * context when this thread serves no request; null when there is nothing to add.
     */
    public static TrafficContext outbound(Hook hook) {
        Settings s = settings;
        if (s == null || !hook.isOn()) return null;
        InboundRequest state = THREAD.get();
        TrafficContext context = state == null ? null : state.current;
        if (context != null) return context;
        return s.backgroundIsEmpty ? null : s.background;
    }

    /**
     * What an outbound call made outside any request carries (the local label, trace-map look-ups), whatever this
     * thread's context: for hooks that know the call was made outside any request although it runs on a thread that
     * now serves one (a reactive client writing its request on an event loop). Null when there is nothing to add.
     */
    public static TrafficContext background(Hook hook) {
        Settings s = settings;
        if (s == null || !hook.isOn() || s.backgroundIsEmpty) return null;
        return s.background;
    }

    /**
     * The Dubbo tag an outbound Dubbo call should carry ({@code graylane.route.dubbo-tag}): the label of the current
     * request, or the local label when this thread serves none; null when routing is off, the hook is off, there is
     * no label, or the label is the base lane.
     */
    public static String dubboTag() {
        Settings s = settings;
        if (s == null || !s.config.routeDubboTag) return null;
        TrafficContext context = outbound(Hook.DUBBO);
        return context == null ? null : s.config.dubboTag(context.label());
    }

    /**
     * The Dubbo tag this JVM's providers register with ({@code graylane.route.dubbo-tag}): the local label, or null
     * when routing or the hook is off, or this service is in the base lane (base providers are the untagged ones).
     */
    public static String dubboProviderTag() {
        Settings s = settings;
        if (s == null || !Hook.DUBBO.isOn()) return null;
        return s.config.dubboTag(s.config.localLabel);
    }

    /** The context of the current request on this thread, or null. */
    public static TrafficContext current() {
        InboundRequest state = THREAD.get();
        return state == null ? null : state.current;
    }

    /** Makes {@code context} current on this thread and returns the one it replaces (to give to {@link #restore}). */
    public static TrafficContext replay(TrafficContext context) {
        InboundRequest state = THREAD.get();
        if (state == null) {
            if (context == null) return null;
            state = new InboundRequest();
            THREAD.set(state);
        }
        TrafficContext previous = state.current;
        state.current = context;
        return previous;
    }

    /** Puts back what {@link #replay} replaced. */
    public static void restore(TrafficContext previous) {
        InboundRequest state = THREAD.get();
        if (state != null) state.current = previous;
    }

    private static final class Settings {
        final Config config;
        final Inbound inbound;
        final TrafficContext background;
        final boolean backgroundIsEmpty;

        Settings(Config config, Inbound inbound, TrafficContext background) {
            this.config = config;
            this.inbound = inbound;
            this.background = background;
            this.backgroundIsEmpty = background.size() == 0 && background.lookups() == 0;
        }
    }
}
