package io.graylane.core;

import io.graylane.core.config.Config;
import io.graylane.core.config.ConfigLoader;
import io.graylane.core.guard.ShadowGuard;
import io.graylane.core.hook.Hook;
import io.graylane.core.log.Log;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guard's verdicts for work with and without the shadow marker, its counters, its log and its configuration. */
class ShadowGuardTest {

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void captureLog() {
        Log.setOut(new PrintStream(logged, true));
    }

    @AfterEach
    void tearDown() {
        Traffic.stop();
        for (Hook hook : Hook.values()) hook.reset();
        Log.setOut(System.err);
    }

    private static Config start(String... keyValues) {
        Map<String, String> sys = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) sys.put(keyValues[i], keyValues[i + 1]);
        Config config = ConfigLoader.load(null, sys, Collections.<String, String>emptyMap());
        assertEquals(Collections.emptyList(), config.problems);
        Traffic.start(config);
        return config;
    }

    /** Opens a request context as the servlet hook does; shadow: with the marker. */
    private static Scope serve(boolean shadow) {
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        assertNotNull(in);
        for (int i = 0; i < in.size(); i++) {
            if (in.name(i).equals("x-graylane-mirror") && shadow) in.set(i, "1");
            if (in.name(i).equals("x-request-id")) in.set(i, "r-1");
        }
        return in.open();
    }

    private static TrafficContext outbound() {
        return Traffic.outbound(Hook.OKHTTP);
    }

    @Test
    void writesModeBlocksOnlyTheWritesOfShadowWork() {
        start("graylane.shadow.guard", "writes");
        Scope scope = serve(true);
        try {
            TrafficContext c = outbound();
            assertTrue(c.isShadow());
            assertNull(ShadowGuard.http(c, "GET", "http", "backend", 8080, "/echo"));
            assertNull(ShadowGuard.http(c, "head", "http", "backend", 8080, "/echo"));
            String blocked = ShadowGuard.http(c, "POST", "http", "backend", 8080, "/orders");
            assertNotNull(blocked);
            assertTrue(blocked.startsWith("graylane: blocked POST http://backend:8080/orders"), blocked);
            assertTrue(blocked.contains("graylane.shadow.guard=writes") && blocked.contains("graylane.shadow.allow"), blocked);
            assertNull(ShadowGuard.grpc(c, "shop.Reviews/GetReview"));
            assertNotNull(ShadowGuard.grpc(c, "shop.Reviews/AddReview"));
            assertNull(ShadowGuard.dubbo(c, "shop.Ratings", "findRating"));
            assertNotNull(ShadowGuard.dubbo(c, "shop.Ratings", "rate"));
            assertNull(ShadowGuard.jdbc(new Object(), "/* report */ SELECT * FROM orders"));
            String sql = ShadowGuard.jdbc(new Object(), "INSERT INTO orders VALUES (1)");
            assertTrue(sql.startsWith("graylane: blocked SQL INSERT INTO orders VALUES (1)"), sql);
            assertNotNull(ShadowGuard.jdbcBatch(new Object()));
            assertNotNull(ShadowGuard.send("kafka", "orders"));
            ShadowGuard g = ShadowGuard.get();
            assertEquals(6, g.getBlocked());
            assertEquals(5, g.getAllowed());
            assertEquals(1, g.getHttpBlocked());
            assertEquals(2, g.getHttpAllowed());
            assertEquals(2, g.getJdbcBlocked());
            assertEquals(1, g.getMessagingBlocked());
        } finally {
            scope.close();
        }
    }

    @Test
    void workWithoutTheMarkerIsNeverBlocked() {
        start("graylane.shadow.guard", "all");
        Scope scope = serve(false);
        try {
            TrafficContext c = outbound();
            assertFalse(c.isShadow());
            assertNull(ShadowGuard.http(c, "POST", "http", "backend", 8080, "/orders"));
            assertNull(ShadowGuard.grpc(c, "shop.Reviews/AddReview"));
            assertNull(ShadowGuard.dubbo(c, "shop.Ratings", "rate"));
            assertNull(ShadowGuard.jdbc(new Object(), "DELETE FROM orders"));
            assertNull(ShadowGuard.send("kafka", "orders"));
        } finally {
            scope.close();
        }
        assertNull(ShadowGuard.jdbc(new Object(), "DELETE FROM orders"), "no request at all");
        assertNull(ShadowGuard.http(outbound(), "POST", "http", "backend", 8080, "/orders"));
        assertEquals(0, ShadowGuard.get().getBlocked() + ShadowGuard.get().getAllowed());
    }

    @Test
    void offByDefault() {
        start();
        assertNull(ShadowGuard.get());
        Scope scope = serve(true);
        try {
            assertTrue(outbound().isShadow(), "the marker is still recognised");
            assertNull(ShadowGuard.http(outbound(), "POST", "http", "backend", 8080, "/orders"));
            assertNull(ShadowGuard.jdbc(new Object(), "DELETE FROM orders"));
        } finally {
            scope.close();
        }
    }

    @Test
    void allModeBlocksEverythingButTheAllowList() {
        start("graylane.shadow.guard", "all", "graylane.shadow.allow",
                "http://audit:9000/log, grpc:shop.Reviews/List*, dubbo:shop.Audit#*, kafka:audit");
        Scope scope = serve(true);
        try {
            TrafficContext c = outbound();
            assertNotNull(ShadowGuard.http(c, "GET", "http", "backend", 8080, "/echo"), "reads too");
            assertNull(ShadowGuard.http(c, "POST", "http", "audit", 9000, "/log/x"));
            assertNotNull(ShadowGuard.http(c, "POST", "http", "audit", 9000, "/other"));
            assertNotNull(ShadowGuard.grpc(c, "shop.Reviews/GetReview"));
            assertNull(ShadowGuard.grpc(c, "shop.Reviews/ListReviews"));
            assertNull(ShadowGuard.dubbo(c, "shop.Audit", "write"));
            assertNotNull(ShadowGuard.jdbc(new Object(), "SELECT 1"));
            assertNull(ShadowGuard.send("kafka", "audit"));
            assertEquals(4, ShadowGuard.get().getBlocked());
            assertEquals(4, ShadowGuard.get().getAllowed());
        } finally {
            scope.close();
        }
    }

    @Test
    void readMethodsAreConfigurableAndCaseInsensitive() {
        start("graylane.shadow.guard", "writes", "graylane.shadow.read-methods", "peek*,GET");
        Scope scope = serve(true);
        try {
            TrafficContext c = outbound();
            assertNull(ShadowGuard.grpc(c, "s.S/PeekAll"));
            assertNull(ShadowGuard.dubbo(c, "s.S", "get"));
            assertNotNull(ShadowGuard.dubbo(c, "s.S", "getOrder"), "get without * is one name");
        } finally {
            scope.close();
        }
    }

    @Test
    void theFirstBlockOfEachTargetIsLoggedOnce() {
        start("graylane.shadow.guard", "writes");
        Scope scope = serve(true);
        try {
            TrafficContext c = outbound();
            for (int i = 0; i < 5; i++) ShadowGuard.http(c, "POST", "http", "a", 1, "/x" + i);
            ShadowGuard.http(c, "DELETE", "http", "b", 2, "/y");
        } finally {
            scope.close();
        }
        String log = new String(logged.toByteArray(), StandardCharsets.UTF_8);
        assertEquals(1, count(log, "blocked POST http://a:1"), log);
        assertEquals(1, count(log, "blocked DELETE http://b:2/y"), log);
        assertEquals(6, ShadowGuard.get().getHttpBlocked());
    }

    @Test
    void theMarkerTravelsToOtherThreadsContexts() throws Exception {
        start("graylane.shadow.guard", "writes");
        TrafficContext captured;
        Scope scope = serve(true);
        try {
            captured = Traffic.current();
        } finally {
            scope.close();
        }
        String[] result = new String[1];
        Thread t = new Thread(() -> {
            TrafficContext previous = Traffic.replay(captured);
            try {
                result[0] = ShadowGuard.jdbc(new Object(), "UPDATE t SET a = 1");
            } finally {
                Traffic.restore(previous);
            }
        });
        t.start();
        t.join();
        assertNotNull(result[0]);
    }

    @Test
    void countersAreAnMBean() throws Exception {
        start("graylane.shadow.guard", "writes");
        Scope scope = serve(true);
        try {
            ShadowGuard.http(outbound(), "PUT", "http", "a", 1, "/x");
        } finally {
            scope.close();
        }
        ObjectName name = new ObjectName("graylane:type=ShadowGuard");
        assertEquals(1L, ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Blocked"));
        assertEquals("writes", ManagementFactory.getPlatformMBeanServer().getAttribute(name, "Mode"));
        Traffic.stop();
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(name));
    }

    @Test
    void badValuesAreReportedAndTheGuardStaysSafe() {
        Map<String, String> sys = new HashMap<>();
        sys.put("graylane.shadow.guard", "write");
        sys.put("graylane.shadow.allow", "http://ok:1,ftp://x,grpc:nope");
        sys.put("graylane.shadow.read-methods", "get*,bad name");
        Config config = ConfigLoader.load(null, sys, Collections.<String, String>emptyMap());
        assertEquals(ShadowGuard.Mode.WRITES, config.shadow.mode);
        assertEquals(Collections.singletonList("http://ok:1"), config.shadow.allow);
        assertEquals(Collections.singletonList("get*"), config.shadow.readMethods);
        assertEquals(4, config.problems.size(), config.problems::toString);
        assertTrue(config.problems.get(0).contains("'write' for graylane.shadow.guard (from system property): expected off, writes or all"),
                config.problems::toString);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }
}
