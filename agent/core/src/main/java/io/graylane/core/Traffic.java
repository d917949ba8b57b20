package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import io.graylane.core.metrics.TrafficCounters;
import io.graylane.core.mirror.Mirror;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The static facade that advice calls. Every method is cheap, never throws on a normal path, and
 * answers "nothing to do" (null) until {@link #start} has run or when the hook is switched off.
 */
public final class Traffic {

    private static final ThreadLocal<InboundRequest> THREAD = new ThreadLocal<>();

    private static volatile Settings settings;
    /** Tokens of {@link #enterListener}: nothing was entered; or the thread had no context before. */
    private static final Object NOT_ENTERED = new Object();
    private static final Object NO_PREVIOUS = new Object();

    /** Calls counted by {@link #outboundDeferred} whose real start has not come yet (weak keys, by identity). */
    private static final Map<Object, Boolean> DEFERRED = Collections.synchronizedMap(new WeakHashMap<Object, Boolean>());
    /** Whether {@link #DEFERRED} was ever used: until then a call's real start does not look there. */
    private static volatile boolean deferred;

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
        return state.prepare(s.inbound, hook);
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
        if (context != null) {
            TrafficCounters.outbound(hook, TrafficCounters.Call.REQUEST);
            return context;
        }
        if (s.backgroundIsEmpty) {
            TrafficCounters.outbound(hook, TrafficCounters.Call.NONE);
            return null;
        }
        TrafficCounters.outbound(hook, TrafficCounters.Call.BACKGROUND);
        return s.background;
    }

    /**
     * {@link #outbound} without counting, for an entry point that hands the same call on to one that counts
     * (HttpURLConnection's getInputStream calls connect; HttpClient's send calls its innermost sendAsync), and for
     * the shadow write guard's checks, which look at a call that another advice counts.
     */
    public static TrafficContext outboundAgain(Hook hook) {
        Settings s = settings;
        if (s == null || !hook.isOn()) return null;
        return context(s, THREAD.get());
    }

    /**
     * {@link #outbound} for a call that is really started later, maybe on another thread, by a call to
     * {@link #outboundOnce} with the same {@code key} (gRPC's {@code DelayedClientCall} hands its metadata to the
     * real call once the channel is ready): counted here, on the caller's thread, in the caller's context, and not
     * again there. Keys are held weakly.
     */
    public static TrafficContext outboundDeferred(Hook hook, Object key) {
        TrafficContext context = outbound(hook);
        if (key != null && settings != null && hook.isOn()) {
            DEFERRED.put(key, Boolean.TRUE);
            deferred = true;
        }
        return context;
    }

    /** {@link #outbound}, not counted when {@link #outboundDeferred} counted this call ({@code key}) already. */
    public static TrafficContext outboundOnce(Hook hook, Object key) {
        if (deferred && key != null && DEFERRED.remove(key) != null) return outboundAgain(hook);
        return outbound(hook);
    }

    private static TrafficContext context(Settings s, InboundRequest state) {
        TrafficContext context = state == null ? null : state.current;
        if (context != null) return context;
        return s.backgroundIsEmpty ? null : s.background;
    }

    /**
     * What a call should carry when the hook recorded its context elsewhere ({@code recorded}, null: the call was
     * made outside any request), counted as {@link #outbound} counts: a reactive client that writes its request on
     * an event loop, which may at that moment serve another request. Null when there is nothing to add.
     */
    public static TrafficContext outbound(Hook hook, TrafficContext recorded) {
        Settings s = settings;
        if (s == null || !hook.isOn()) return null;
        if (recorded != null) {
            TrafficCounters.outbound(hook, TrafficCounters.Call.REQUEST);
            return recorded;
        }
        TrafficCounters.outbound(hook, s.backgroundIsEmpty ? TrafficCounters.Call.NONE : TrafficCounters.Call.BACKGROUND);
        return s.backgroundIsEmpty ? null : s.background;
    }

    /**
     * What an outbound call made outside any request carries (the local label, trace-map look-ups), whatever this
     * thread's context: for hooks that know the call was made outside any request although it runs on a thread that
     * now serves one (a reactive client writing its request on an event loop). Null when there is nothing to add.
     * Not counted: for a hook point that sees a call another hook point counts (see {@link #outbound(Hook, TrafficContext)}).
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
        if (!Hook.DUBBO.isOn()) return null;
        TrafficContext context = context(s, THREAD.get()); // not counted: the consumer hook counts the call
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

    /**
     * This thread's reader for the headers of a received message (a Kafka record, a RocketMQ message), or null when
     * the hook is off or graylane has not started. It resolves a context and makes nothing current.
     */
    public static ReceivedMessage message(Hook hook) {
        Settings s = settings;
        if (s == null || !hook.isOn()) return null;
        InboundRequest state = THREAD.get();
        if (state == null) {
            state = new InboundRequest();
            THREAD.set(state);
        }
        return state.message(s.inbound);
    }

    /**
     * Makes a received record's context current on this thread, replacing the previous record's: for a consumer
     * that hands records to the application one at a time with no call around each (a loop over Kafka's
     * {@code ConsumerRecords}). The first record remembers what the thread had; {@link #endRecords} puts it back.
     */
    public static void beginRecord(TrafficContext context) {
        InboundRequest state = THREAD.get();
        if (state == null) {
            state = new InboundRequest();
            THREAD.set(state);
        }
        if (state.listenerDepth > 0) return;
        if (!state.inRecord) {
            state.beforeRecord = state.current;
            state.inRecord = true;
        }
        state.current = context;
    }

    /** Ends what {@link #beginRecord} began: the thread gets back what it had before the first record. */
    public static void endRecords() {
        InboundRequest state = THREAD.get();
        if (state == null || !state.inRecord || state.listenerDepth > 0) return;
        state.current = state.beforeRecord;
        state.beforeRecord = null;
        state.inRecord = false;
    }

    /**
     * Makes a received message's context current for one call that handles it (a spring-kafka record listener and
     * its error handler, a RocketMQ listener call); returns what {@link #exitListener} needs. Records that code
     * reaches meanwhile through {@link #beginRecord} (an error handler collecting the rest of a batch) change nothing.
     */
    public static Object enterListener(TrafficContext context) {
        if (context == null) return NOT_ENTERED;
        InboundRequest state = THREAD.get();
        if (state == null) {
            state = new InboundRequest();
            THREAD.set(state);
        }
        TrafficContext previous = state.current;
        state.current = context;
        state.listenerDepth++;
        return previous == null ? NO_PREVIOUS : previous;
    }

    /** Ends what {@link #enterListener} began: the thread gets back what it had. */
    public static void exitListener(Object token) {
        if (token == null || token == NOT_ENTERED) return;
        InboundRequest state = THREAD.get();
        if (state == null) return;
        state.current = token == NO_PREVIOUS ? null : (TrafficContext) token;
        if (state.listenerDepth > 0) state.listenerDepth--;
    }

    /** The context of the current request on this thread, or null. */
    public static TrafficContext current() {
        InboundRequest state = THREAD.get();
        return state == null ? null : state.current;
    }

    /** Makes {@code context} current on this thread and returns the one it replaces (to give to {@link #restore}). */
    public static TrafficContext replay(TrafficContext context) {
        InboundRequest state = thread(context);
        return state == null ? null : state.swap(context);
    }

    /**
     * This thread's state, to switch to {@code context} and back with {@link InboundRequest#swap}: one thread-local
     * look-up for both ways, where {@link #replay} and {@link #restore} take one each (for code that switches at
     * every signal of a reactive chain). Null only when {@code context} is null and the thread never had a context:
     * nothing is current, so there is nothing to switch.
     */
    public static InboundRequest thread(TrafficContext context) {
        InboundRequest state = THREAD.get();
        if (state == null && context != null) {
            state = new InboundRequest();
            THREAD.set(state);
        }
        return state;
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
