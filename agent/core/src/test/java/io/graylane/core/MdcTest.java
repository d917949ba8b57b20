package io.graylane.core;

import io.graylane.core.config.ConfigLoader;
import io.graylane.core.hook.Hook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MdcTest {

    @AfterEach
    void tearDown() {
        Traffic.stop();
        for (Hook hook : Hook.values()) hook.reset();
    }

    private static Map<String, String> map(String... keyValues) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    private static void start(Map<String, String> sysprops, String localLabel) {
        Map<String, String> env = localLabel == null ? Collections.<String, String>emptyMap() : map("ASM_TRAFFIC_TAG", localLabel);
        Traffic.start(ConfigLoader.load(null, sysprops, env));
    }

    private static Map<String, String> inRequest(Map<String, String> headers, Map<String, String> captured) {
        InboundRequest in = Traffic.inbound(Hook.SERVLET);
        for (int i = 0; i < in.size(); i++) in.set(i, headers.get(in.name(i)));
        Scope scope = in.open();
        try {
            return Mdc.extend(captured, Hook.LOGBACK);
        } finally {
            scope.close();
        }
    }

    @Test
    void aRequestsLabelAndRequestIdAreAddedToACopy() {
        start(Collections.<String, String>emptyMap(), "local");
        Map<String, String> app = map("user", "u1");
        Map<String, String> event = inRequest(map("x-asm-traffic-tag", "dev-x", "x-request-id", "r-1"), app);
        assertEquals(map("user", "u1", "graylane.label", "dev-x", "graylane.request-id", "r-1"), event);
        assertEquals(map("user", "u1"), app, "the captured map is never changed");
    }

    @Test
    void theApplicationsEntriesWin() {
        start(Collections.<String, String>emptyMap(), null);
        Map<String, String> app = map("graylane.label", "mine", "graylane.request-id", "my-id");
        assertSame(app, inRequest(map("x-asm-traffic-tag", "dev-x", "x-request-id", "r-1"), app));
    }

    @Test
    void outsideAnyRequestTheLocalLabelAndNoRequestId() {
        start(Collections.<String, String>emptyMap(), "local");
        assertEquals(map("graylane.label", "local"), Mdc.extend(null, Hook.LOGBACK));
        Traffic.stop();
        start(Collections.<String, String>emptyMap(), null);
        Map<String, String> empty = Collections.emptyMap();
        assertSame(empty, Mdc.extend(empty, Hook.LOGBACK));
    }

    @Test
    void configuredKeys() {
        start(map("graylane.mdc.label-key", "lane", "graylane.mdc.request-id-key", "rid"), null);
        assertEquals(map("lane", "dev-x", "rid", "r-1"),
                inRequest(map("x-asm-traffic-tag", "dev-x", "x-request-id", "r-1"), null));
    }

    @Test
    void switchedOffByConfigOrByTheHook() {
        start(map("graylane.mdc.enabled", "false"), "local");
        assertTrue(Mdc.extend(null, Hook.LOGBACK) == null);
        Traffic.stop();
        start(Collections.<String, String>emptyMap(), "local");
        Hook.LOGBACK.fail(new IllegalStateException("test"));
        assertTrue(Mdc.extend(null, Hook.LOGBACK) == null);
        assertEquals(map("graylane.label", "local"), Mdc.extend(null, Hook.LOG4J));
    }

    @Test
    void badKeysFallBackToTheDefaults() {
        assertEquals("graylane.label",
                ConfigLoader.load(null, map("graylane.mdc.label-key", "a b"), Collections.<String, String>emptyMap()).mdcLabelKey);
        assertEquals("graylane.request-id", ConfigLoader.load(null, map("graylane.mdc.label-key", "k",
                "graylane.mdc.request-id-key", "k"), Collections.<String, String>emptyMap()).mdcRequestIdKey);
    }
}
