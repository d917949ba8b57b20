package io.graylane.core.guard;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllowListTest {

    @Test
    void http() {
        AllowList a = AllowList.of(Arrays.asList("http://audit:8080/log", "http://*.internal", "https://pay.example.com"));
        assertTrue(a.allowsHttp("http", "audit", 8080, "/log/1"));
        assertFalse(a.allowsHttp("http", "audit", 8080, "/orders"), "path prefix");
        assertFalse(a.allowsHttp("http", "audit", 8081, "/log"), "port");
        assertTrue(a.allowsHttp("http", "a.b.INTERNAL", 1234, "/x"), "wildcard host, any port, any case");
        assertFalse(a.allowsHttp("http", "internal", 80, "/x"), "*.internal needs a subdomain");
        assertFalse(a.allowsHttp("http", "evilinternal", 80, "/x"));
        assertTrue(a.allowsHttp("https", "pay.example.com", 443, "/charge"));
        assertFalse(a.allowsHttp("http", "pay.example.com", 80, "/charge"), "scheme");
    }

    @Test
    void rpcJdbcAndMessaging() {
        AllowList a = AllowList.of(Arrays.asList("grpc:shop.Audit/*", "dubbo:com.shop.AuditService#record*",
                "jdbc:postgresql://db:5432/audit", "kafka:audit-*", "rocketmq:log"));
        assertTrue(a.allows(AllowList.Kind.GRPC, "shop.Audit/Write"));
        assertFalse(a.allows(AllowList.Kind.GRPC, "shop.Orders/Write"));
        assertTrue(a.allows(AllowList.Kind.DUBBO, "com.shop.AuditService#recordOrder"));
        assertFalse(a.allows(AllowList.Kind.DUBBO, "com.shop.AuditService#delete"));
        assertTrue(a.allows(AllowList.Kind.JDBC, "jdbc:postgresql://db:5432/audit?ssl=false"));
        assertFalse(a.allows(AllowList.Kind.JDBC, "jdbc:postgresql://db:5432/orders"));
        assertTrue(a.allows(AllowList.Kind.KAFKA, "audit-events"));
        assertFalse(a.allows(AllowList.Kind.ROCKETMQ, "audit-events"));
        assertTrue(a.allows(AllowList.Kind.ROCKETMQ, "log"));
        assertTrue(a.hasJdbc());
    }

    @Test
    void malformedEntries() {
        for (String bad : new String[] {"", "*", "foo:bar", "http://", "http://host:port", "http://host:0", "http://h:70000",
                "grpc:noslash", "grpc:/m", "grpc:a/b/c", "dubbo:iface", "dubbo:#m", "jdbc:", "kafka:", "http://ex ample",
                "http://*.", "rocketmq:"}) {
            assertFalse(AllowList.isValid(bad), bad);
        }
        for (String good : new String[] {"http://127.0.0.1:9", "HTTP://a", "http://*.svc.cluster.local:80/api",
                "grpc:*/*", "dubbo:a.B#c", "jdbc:h2:mem:x", "kafka:t", "rocketmq:t"}) {
            assertTrue(AllowList.isValid(good), good);
        }
    }
}
