package io.graylane.core.metrics;

import io.graylane.core.Traffic;
import io.graylane.core.config.Config;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * "Is propagation working?": per hook, inbound requests by where their label came from, rejected label values, and
 * outbound calls by the context they were made in. Fixed arrays of striped counters ({@link LongAdder}) indexed by
 * hook ordinal and outcome: counting is one uncontended add, no map, no allocation, no string work. Shown as MBean
 * {@value #OBJECT_NAME} (registered by a short-lived thread at the first count) and on {@code GET /metrics}.
 *
 * <p>What is counted:
 * <ul>
 *   <li>inbound: each request an inbound hook opened a context for (the outermost one: nested filters and
 *   dispatches are one request), by the source of its label ({@link Source});</li>
 *   <li>rejected: each label value (header or baggage entry) the label policy refused, by the hook that read it;</li>
 *   <li>outbound: each call an outbound hook handled, by its context ({@link Call}).</li>
 * </ul>
 * A hook that is switched off (configuration or failure) counts nothing.
 */
public final class TrafficCounters {

    public static final String OBJECT_NAME = "graylane:type=Traffic";

    /** Where an inbound request's label came from. */
    public enum Source {
        /** A {@code header:NAME} source (HTTP header, gRPC metadata key, Dubbo attachment). */
        HEADER("header"),
        /** A {@code baggage:KEY} source. */
        BAGGAGE("baggage"),
        /** The traceId -> label map: a request without a label whose trace id a labelled request recorded. */
        TRACE_MAP("trace-map"),
        /** The service's own lane (graylane.label.local / ASM_TRAFFIC_TAG). */
        LOCAL("local"),
        /** No label from any source. */
        NONE("none");

        final String text;

        Source(String text) {
            this.text = text;
        }
    }

    /** The context an outbound call was made in. */
    public enum Call {
        /** Inside a request: the context an inbound hook opened, on its thread or carried to another one. */
        REQUEST("request"),
        /** Outside any request; the background context applies (the local label, trace-map look-ups). */
        BACKGROUND("background"),
        /** Outside any request, and there is no background context (no local label, trace map off): nothing added. */
        NONE("none");

        final String text;

        Call(String text) {
            this.text = text;
        }
    }

    /** Hooks shown from the start (zeros included) when enabled; any other hook appears once it has counted. */
    private static final Set<Hook> INBOUND_HOOKS = EnumSet.of(Hook.SERVLET, Hook.REACTOR_NETTY, Hook.GRPC, Hook.DUBBO);
    private static final Set<Hook> OUTBOUND_HOOKS = EnumSet.of(Hook.OKHTTP, Hook.HTTP_URL_CONNECTION,
            Hook.JAVA_HTTP_CLIENT, Hook.APACHE_HTTPCLIENT, Hook.REACTOR_NETTY, Hook.GRPC, Hook.DUBBO);

    private static final Hook[] HOOKS = Hook.values();
    private static final Source[] SOURCES = Source.values();
    private static final Call[] CALLS = Call.values();
    private static final LongAdder[] INBOUND = adders(HOOKS.length * SOURCES.length);
    private static final LongAdder[] REJECTED = adders(HOOKS.length);
    private static final LongAdder[] OUTBOUND = adders(HOOKS.length * CALLS.length);

    /** Benchmarks switch counting off to measure what it costs. */
    private static boolean counting = true;
    private static volatile boolean registered;

    static final MetricSource SOURCE = new MetricSource() {
        @Override
        public void writeTo(MetricsWriter out) {
            write(out);
        }
    };

    private TrafficCounters() {}

    private static LongAdder[] adders(int n) {
        LongAdder[] adders = new LongAdder[n];
        for (int i = 0; i < n; i++) adders[i] = new LongAdder();
        return adders;
    }

    // ---- the hot path ----

    public static void inbound(Hook hook, Source source) {
        if (!counting) return;
        INBOUND[hook.ordinal() * SOURCES.length + source.ordinal()].increment();
        if (!registered) register();
    }

    public static void rejected(Hook hook) {
        if (!counting) return;
        REJECTED[hook.ordinal()].increment();
        if (!registered) register();
    }

    public static void outbound(Hook hook, Call call) {
        if (!counting) return;
        OUTBOUND[hook.ordinal() * CALLS.length + call.ordinal()].increment();
        if (!registered) register();
    }

    // ---- reading ----

    public static long inboundCount(Hook hook, Source source) {
        return INBOUND[hook.ordinal() * SOURCES.length + source.ordinal()].sum();
    }

    public static long rejectedCount(Hook hook) {
        return REJECTED[hook.ordinal()].sum();
    }

    public static long outboundCount(Hook hook, Call call) {
        return OUTBOUND[hook.ordinal() * CALLS.length + call.ordinal()].sum();
    }

    /** For benchmarks: count (the default) or not. Set before the measured code runs. */
    public static void setCounting(boolean on) {
        counting = on;
    }

    /** The hooks shown for inbound (true) or outbound counters: the enabled ones of their kind, and any that counted. */
    static List<Hook> shown(boolean inbound) {
        Config config = Traffic.config();
        List<Hook> hooks = new ArrayList<Hook>();
        for (Hook hook : HOOKS) {
            boolean known = (inbound ? INBOUND_HOOKS : OUTBOUND_HOOKS).contains(hook)
                    && (config == null || config.isEnabled(hook));
            if (known || (inbound ? inboundSum(hook) > 0 : outboundSum(hook) > 0)) hooks.add(hook);
        }
        return hooks;
    }

    private static long inboundSum(Hook hook) {
        long sum = rejectedCount(hook);
        for (Source s : SOURCES) sum += inboundCount(hook, s);
        return sum;
    }

    private static long outboundSum(Hook hook) {
        long sum = 0;
        for (Call c : CALLS) sum += outboundCount(hook, c);
        return sum;
    }

    static void write(MetricsWriter out) {
        List<Hook> in = shown(true);
        out.counter("graylane_inbound_requests_total",
                "Inbound requests an inbound hook opened a context for, by hook and by where the label came from.");
        for (Hook hook : in) {
            for (Source s : SOURCES) out.sample("hook", hook.configName(), "source", s.text, inboundCount(hook, s));
        }
        out.counter("graylane_inbound_rejected_total",
                "Inbound label values (header or baggage entry) rejected by graylane.label.pattern or max-length, by hook.");
        for (Hook hook : in) out.sample("hook", hook.configName(), rejectedCount(hook));
        out.counter("graylane_outbound_calls_total",
                "Outbound calls an outbound hook handled, by hook and by context: request, background (outside any "
                        + "request, the local label and trace-map look-ups apply) or none (outside any request, nothing to add).");
        for (Hook hook : shown(false)) {
            for (Call c : CALLS) out.sample("hook", hook.configName(), "context", c.text, outboundCount(hook, c));
        }
    }

    // ---- the MBean ----

    private static synchronized void register() {
        if (registered) return;
        registered = true;
        // JMX may initialise itself now (tens of milliseconds): not on the thread of the request that counted first
        Thread thread = new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
                    ObjectName name = new ObjectName(OBJECT_NAME);
                    if (!server.isRegistered(name)) server.registerMBean(new TrafficMBean(), name);
                } catch (Throwable t) {
                    Log.warn("traffic counters cannot be registered as " + OBJECT_NAME + ": " + t);
                }
            }
        }, "graylane-jmx");
        thread.setDaemon(true);
        thread.setContextClassLoader(null);
        try {
            thread.start();
        } catch (Throwable refused) {
            // a process at its thread limit: the counting request goes on, the counters count, no MBean shows them
            Log.warn("traffic counters cannot be registered as " + OBJECT_NAME + ": " + refused);
        }
    }

    /**
     * Attributes {@code Inbound.HOOK.SOURCE}, {@code Rejected.HOOK} and {@code Outbound.HOOK.CONTEXT} (longs), for
     * the hooks {@link #shown}; any hook's attribute can be read, zero when it never counted.
     */
    static final class TrafficMBean implements DynamicMBean {

        @Override
        public Object getAttribute(String attribute) throws AttributeNotFoundException {
            String[] parts = attribute.split("\\.", -1);
            Hook hook = parts.length >= 2 ? Hook.byConfigName(parts[1]) : null;
            if (hook != null) {
                if (parts.length == 2 && parts[0].equals("Rejected")) return rejectedCount(hook);
                if (parts.length == 3 && parts[0].equals("Inbound")) {
                    for (Source s : SOURCES) if (s.text.equals(parts[2])) return inboundCount(hook, s);
                }
                if (parts.length == 3 && parts[0].equals("Outbound")) {
                    for (Call c : CALLS) if (c.text.equals(parts[2])) return outboundCount(hook, c);
                }
            }
            throw new AttributeNotFoundException(attribute);
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList list = new AttributeList();
            for (String a : attributes) {
                try {
                    list.add(new Attribute(a, getAttribute(a)));
                } catch (AttributeNotFoundException ignored) {
                    // left out, as the interface expects
                }
            }
            return list;
        }

        @Override
        public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
            throw new AttributeNotFoundException("read-only: " + attribute.getName());
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            return new AttributeList();
        }

        @Override
        public Object invoke(String actionName, Object[] params, String[] signature) {
            throw new UnsupportedOperationException(actionName);
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            List<MBeanAttributeInfo> attributes = new ArrayList<MBeanAttributeInfo>();
            for (Hook hook : shown(true)) {
                for (Source s : SOURCES) {
                    attributes.add(attribute("Inbound." + hook.configName() + "." + s.text,
                            "inbound requests of hook " + hook.configName() + " whose label came from: " + s.text));
                }
                attributes.add(attribute("Rejected." + hook.configName(),
                        "label values rejected by hook " + hook.configName()));
            }
            for (Hook hook : shown(false)) {
                for (Call c : CALLS) {
                    attributes.add(attribute("Outbound." + hook.configName() + "." + c.text,
                            "outbound calls of hook " + hook.configName() + " in context: " + c.text));
                }
            }
            return new MBeanInfo(TrafficCounters.class.getName(),
                    "graylane traffic counters: inbound requests by label source, rejected labels, outbound calls by context",
                    attributes.toArray(new MBeanAttributeInfo[0]), null, new MBeanOperationInfo[0],
                    new MBeanNotificationInfo[0]);
        }

        private static MBeanAttributeInfo attribute(String name, String description) {
            return new MBeanAttributeInfo(name, "long", description, true, false, false);
        }
    }
}
