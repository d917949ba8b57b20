package io.graylane.core.guard;

import io.graylane.core.Traffic;
import io.graylane.core.TrafficContext;
import io.graylane.core.config.Config;
import io.graylane.core.config.Keys;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The shadow write guard ({@code graylane.shadow.*}): stops the outbound writes of work that carries the shadow marker
 * ({@code x-graylane-mirror: 1}), so a candidate fed with mirrored requests cannot change what production sees.
 *
 * <p>The static methods are what advice calls, at the point where a call is about to be sent. Each answers null when
 * the call may go (always, at the cost of one branch, for work that is not a shadow copy or when the guard is off), or
 * the message of the failure the advice then raises in the client's own exception type. Messages start with
 * {@code graylane: blocked}. Counters: {@link ShadowGuardMBean}.
 */
public final class ShadowGuard implements ShadowGuardMBean {

    public static final String OBJECT_NAME = "graylane:type=ShadowGuard";
    public static final String BLOCKED = "graylane: blocked ";

    /** graylane.shadow.guard. */
    public enum Mode {
        OFF, WRITES, ALL;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The mode named (any case), or null. */
        public static Mode parse(String text) {
            if (text == null) return null;
            for (Mode m : values()) if (m.configName().equalsIgnoreCase(text.trim())) return m;
            return null;
        }
    }

    private static final int HTTP = 0;
    private static final int GRPC = 1;
    private static final int DUBBO = 2;
    private static final int JDBC = 3;
    private static final int MESSAGING = 4;
    /** Targets whose first block was logged; past this many, blocks are only counted. */
    private static final int MAX_LOGGED_TARGETS = 1000;
    /** Prepared statements of shadow work whose SQL is remembered; past this many the oldest are forgotten. */
    private static final int MAX_PREPARED = 4096;
    private static final int MAX_SQL_SHOWN = 100;

    private static volatile ShadowGuard active;
    /** Statement.getConnection, Connection.getMetaData, DatabaseMetaData.getURL. */
    private static volatile Method[] jdbcMethods;

    private final Mode mode;
    private final AllowList allow;
    private final String[] readMethods;
    private final AtomicLongArray blocked = new AtomicLongArray(5);
    private final AtomicLongArray allowed = new AtomicLongArray(5);
    private final Set<String> loggedTargets = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());
    /** Statement -> its SQL, for statements prepared by shadow work (weak keys: a statement closed and gone is gone). */
    private final Map<Object, String> preparedSql = new WeakHashMap<>();
    private volatile boolean registered;

    ShadowGuard(Mode mode, AllowList allow, List<String> readMethods) {
        this.mode = mode;
        this.allow = allow;
        this.readMethods = readMethods.toArray(new String[0]);
    }

    /** Applies a configuration; called by {@link Traffic#start}. */
    public static void start(Config config) {
        Config.Shadow shadow = config.shadow;
        ShadowGuard previous = active;
        if (previous != null) previous.unregister();
        active = shadow.mode == Mode.OFF ? null : new ShadowGuard(shadow.mode, AllowList.of(shadow.allow), shadow.readMethods);
    }

    /** The guard in force, or null when graylane.shadow.guard is off (for counters and tests). */
    public static ShadowGuard get() {
        return active;
    }

    /** For tests: the guard is off again. */
    public static void stop() {
        ShadowGuard previous = active;
        if (previous != null) previous.unregister();
        active = null;
    }

    // ---- the checks advice calls ----

    /** Whether the guard is on: hooks install their guard advice only then. */
    public static boolean isOn() {
        return active != null;
    }

    /**
     * An HTTP request about to be sent by work with this context ({@code context} as the hook got it; null or not a
     * shadow copy: the call goes). {@code port} -1 for the scheme's default; {@code path} may also be an absolute URI
     * (whose scheme, host and port then stand in for null ones) and may carry a query.
     */
    public static String http(TrafficContext context, String method, String scheme, String host, int port, String path) {
        if (context == null || !context.isShadow()) return null;
        ShadowGuard g = active;
        if (g == null) return null;
        g.seen();
        if (path != null && (path.startsWith("http://") || path.startsWith("https://"))) {
            int start = path.indexOf("://") + 3;
            int slash = path.indexOf('/', start);
            if (host == null) {
                scheme = path.substring(0, start - 3);
                String authority = slash < 0 ? path.substring(start) : path.substring(start, slash);
                int colon = authority.lastIndexOf(':');
                host = colon < 0 ? authority : authority.substring(0, colon);
                try {
                    port = colon < 0 ? -1 : Integer.parseInt(authority.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            path = slash < 0 ? "/" : path.substring(slash);
        }
        if (path != null && path.indexOf('?') >= 0) path = path.substring(0, path.indexOf('?'));
        if (method == null) method = "GET";
        String s = scheme == null ? "http" : scheme.toLowerCase(Locale.ROOT);
        int p = port >= 0 ? port : "https".equals(s) ? 443 : 80;
        boolean write = g.mode == Mode.ALL || !isHttpRead(method);
        if (!write || g.allow.allowsHttp(s, host, p, path)) {
            g.allowed.incrementAndGet(HTTP);
            return null;
        }
        String target = s + "://" + (host == null ? "(unknown host)" : host) + ":" + p;
        return g.block(HTTP, target, method + " " + target + (path == null ? "" : path), target);
    }

    /** A gRPC call about to start ({@code fullMethod}: {@code package.Service/Method}). */
    public static String grpc(TrafficContext context, String fullMethod) {
        if (context == null || !context.isShadow()) return null;
        ShadowGuard g = active;
        if (g == null) return null;
        g.seen();
        int slash = fullMethod == null ? -1 : fullMethod.lastIndexOf('/');
        String method = slash < 0 ? fullMethod : fullMethod.substring(slash + 1);
        boolean write = g.mode == Mode.ALL || !g.isReadMethod(method);
        if (!write || g.allow.allows(AllowList.Kind.GRPC, fullMethod)) {
            g.allowed.incrementAndGet(GRPC);
            return null;
        }
        return g.block(GRPC, "grpc:" + fullMethod, "gRPC call " + fullMethod, "grpc:" + fullMethod);
    }

    /** A Dubbo call about to be invoked. */
    public static String dubbo(TrafficContext context, String service, String method) {
        if (context == null || !context.isShadow()) return null;
        ShadowGuard g = active;
        if (g == null) return null;
        g.seen();
        String name = service + "#" + method;
        boolean write = g.mode == Mode.ALL || !g.isReadMethod(method);
        if (!write || g.allow.allows(AllowList.Kind.DUBBO, name)) {
            g.allowed.incrementAndGet(DUBBO);
            return null;
        }
        return g.block(DUBBO, "dubbo:" + name, "Dubbo call " + name, "dubbo:" + name);
    }

    /**
     * The hook point of messaging: a Kafka ({@code kind} "kafka") or RocketMQ ("rocketmq") send to {@code topic} from
     * this thread. Every send of a shadow copy is a write; null when it may go.
     */
    public static String send(String kind, String topic) {
        ShadowGuard g = active;
        if (g == null) return null;
        TrafficContext context = Traffic.current();
        if (context == null || !context.isShadow()) return null;
        g.seen();
        AllowList.Kind k = "rocketmq".equalsIgnoreCase(kind) ? AllowList.Kind.ROCKETMQ : AllowList.Kind.KAFKA;
        String name = k.name().toLowerCase(Locale.ROOT) + ":" + topic;
        if (g.allow.allows(k, topic)) {
            g.allowed.incrementAndGet(MESSAGING);
            return null;
        }
        return g.block(MESSAGING, name, k.name().toLowerCase(Locale.ROOT) + " send to topic " + topic, name);
    }

    /** {@code Connection.prepareStatement/prepareCall(sql, ...)} returned {@code statement}: remembers its SQL. */
    public static void prepared(Object statement, String sql) {
        ShadowGuard g = active;
        if (g == null || statement == null || !Hook.JDBC.isOn()) return;
        TrafficContext context = Traffic.current();
        if (context == null || !context.isShadow()) return;
        synchronized (g.preparedSql) {
            if (g.preparedSql.size() >= MAX_PREPARED) g.preparedSql.clear(); // forgotten ones count as writes
            g.preparedSql.put(statement, sql);
        }
    }

    /**
     * A statement about to run: {@code sql} as given to execute/executeUpdate/..., or null for a prepared statement
     * (its SQL from {@link #prepared}). A batch is {@link #jdbcBatch}. Null when it may run.
     */
    public static String jdbc(Object statement, String sql) {
        ShadowGuard g = active;
        if (g == null || !Hook.JDBC.isOn()) return null;
        TrafficContext context = Traffic.current();
        if (context == null || !context.isShadow()) return null;
        g.seen();
        String text = sql;
        if (text == null) {
            synchronized (g.preparedSql) {
                text = g.preparedSql.get(statement);
            }
        }
        boolean write = g.mode == Mode.ALL || !SqlClassifier.isQuery(text);
        return g.jdbcVerdict(statement, write, text == null ? "a statement prepared outside this shadow copy" : abbreviate(text));
    }

    /** executeBatch / executeLargeBatch: always a write. */
    public static String jdbcBatch(Object statement) {
        ShadowGuard g = active;
        if (g == null || !Hook.JDBC.isOn()) return null;
        TrafficContext context = Traffic.current();
        if (context == null || !context.isShadow()) return null;
        g.seen();
        String sql;
        synchronized (g.preparedSql) {
            sql = g.preparedSql.get(statement);
        }
        return g.jdbcVerdict(statement, true, "batch" + (sql == null ? "" : " of " + abbreviate(sql)));
    }

    private String jdbcVerdict(Object statement, boolean write, String what) {
        String url = null;
        if (write || allow.hasJdbc()) url = url(statement);
        if (!write || (url != null && allow.allows(AllowList.Kind.JDBC, url))) {
            allowed.incrementAndGet(JDBC);
            return null;
        }
        String target = url == null ? "jdbc" : url;
        return block(JDBC, target, "SQL " + what + " on " + (url == null ? "a JDBC connection" : url),
                url == null ? "jdbc:URL-PREFIX" : url);
    }

    /**
     * The statement's connection URL, or null. By reflection on the java.sql interfaces: this class is loaded by the
     * bootstrap loader, which cannot see the java.sql module (advice, inlined into the driver, can). Only asked on the
     * rare paths (a write of a shadow copy, or a jdbc: entry in the allow list).
     */
    private static String url(Object statement) {
        try {
            Method[] m = jdbcMethods;
            if (m == null) {
                ClassLoader loader = statement.getClass().getClassLoader();
                m = new Method[] {Class.forName("java.sql.Statement", false, loader).getMethod("getConnection"),
                        Class.forName("java.sql.Connection", false, loader).getMethod("getMetaData"),
                        Class.forName("java.sql.DatabaseMetaData", false, loader).getMethod("getURL")};
                jdbcMethods = m;
            }
            Object connection = m[0].invoke(statement);
            Object metaData = connection == null ? null : m[1].invoke(connection);
            return metaData == null ? null : (String) m[2].invoke(metaData);
        } catch (Throwable t) {
            return null;
        }
    }

    // ---- shared ----

    private static boolean isHttpRead(String method) {
        return "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method) || "OPTIONS".equalsIgnoreCase(method)
                || "TRACE".equalsIgnoreCase(method);
    }

    boolean isReadMethod(String method) {
        if (method == null) return false;
        for (String pattern : readMethods) {
            if (Glob.matches(pattern, method, true)) return true;
        }
        return false;
    }

    /** Counts a block, logs the first one of its target, and returns the failure's message. */
    private String block(int kind, String target, String call, String allowEntry) {
        blocked.incrementAndGet(kind);
        String message = BLOCKED + call + " of a shadow copy (" + Keys.SHADOW_GUARD + "=" + mode.configName()
                + "; to let it through, add " + allowEntry + " to " + Keys.SHADOW_ALLOW + ")";
        if (loggedTargets.size() < MAX_LOGGED_TARGETS && loggedTargets.add(target)) {
            Log.warn("shadow guard: " + message.substring("graylane: ".length()) + "; further blocks of " + target
                    + " are counted in " + OBJECT_NAME);
        }
        return message;
    }

    private static String abbreviate(String sql) {
        StringBuilder b = new StringBuilder();
        boolean space = false;
        for (int i = 0; i < sql.length() && b.length() < MAX_SQL_SHOWN; i++) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c) || c < 0x20) {
                space = b.length() > 0;
                continue;
            }
            if (space) b.append(' ');
            space = false;
            b.append(c);
        }
        if (b.length() >= MAX_SQL_SHOWN) b.append("...");
        return b.toString();
    }

    /** Registers the MBean the first time shadow work is seen (not at start: JMX is not touched in premain). */
    private void seen() {
        if (!registered) register();
    }

    private synchronized void register() {
        if (registered) return;
        registered = true;
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(OBJECT_NAME);
            if (server.isRegistered(name)) server.unregisterMBean(name);
            server.registerMBean(this, name);
        } catch (Throwable t) {
            Log.warn("shadow guard counters cannot be registered as " + OBJECT_NAME + ": " + t);
        }
    }

    private synchronized void unregister() {
        if (!registered) return;
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(new ObjectName(OBJECT_NAME));
        } catch (Throwable ignored) {
            // already gone
        }
    }

    // ---- ShadowGuardMBean ----

    @Override
    public String getMode() {
        return mode.configName();
    }

    @Override
    public long getBlocked() {
        long n = 0;
        for (int i = 0; i < blocked.length(); i++) n += blocked.get(i);
        return n;
    }

    @Override
    public long getAllowed() {
        long n = 0;
        for (int i = 0; i < allowed.length(); i++) n += allowed.get(i);
        return n;
    }

    @Override
    public long getHttpBlocked() {
        return blocked.get(HTTP);
    }

    @Override
    public long getHttpAllowed() {
        return allowed.get(HTTP);
    }

    @Override
    public long getGrpcBlocked() {
        return blocked.get(GRPC);
    }

    @Override
    public long getGrpcAllowed() {
        return allowed.get(GRPC);
    }

    @Override
    public long getDubboBlocked() {
        return blocked.get(DUBBO);
    }

    @Override
    public long getDubboAllowed() {
        return allowed.get(DUBBO);
    }

    @Override
    public long getJdbcBlocked() {
        return blocked.get(JDBC);
    }

    @Override
    public long getJdbcAllowed() {
        return allowed.get(JDBC);
    }

    @Override
    public long getMessagingBlocked() {
        return blocked.get(MESSAGING);
    }

    @Override
    public long getMessagingAllowed() {
        return allowed.get(MESSAGING);
    }
}
