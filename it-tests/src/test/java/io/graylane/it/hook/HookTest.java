package io.graylane.it.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One client library, one version, in a JVM that runs with the agent ({@code -javaagent:graylane-agent.jar
 * -Dgraylane.label.local=hook-lane -Dgraylane.shadow.guard=all}; see the hook-* executions in it-tests/pom.xml). Each
 * subclass says how to make a GET with its library in each of its {@link #ways()}; the scenarios are the same for
 * every library.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayNameGeneration(HookTest.WithLibraryVersion.class)
abstract class HookTest {

    static final String LABEL = "x-asm-traffic-tag";
    static final String REQUEST_ID = "x-request-id";
    static final String LOCAL_LANE = "hook-lane";
    /** Set by each failsafe execution: the library version its class path holds. */
    static final String VERSION_PROPERTY = "graylane.it.lib-version";

    RecordingBackend backend;
    /** Serves requests through a servlet container in this JVM, so that a call runs inside an inbound request. */
    InboundServer inbound;

    /** The library as named in test names, e.g. {@code okhttp}. */
    abstract String library();

    /** The version the library on the class path reports about itself. */
    abstract String versionOnClassPath() throws Exception;

    /** Class files that must be on the class path exactly once (the library and what it brings). */
    abstract List<String> classFiles();

    /** The ways of making a call that the hook must cover, e.g. {@code execute}, {@code enqueue}. */
    abstract List<String> ways();

    /** GETs {@code url} with the library, in the given way, setting the label header itself unless null. */
    abstract String get(String way, String url, String appLabel) throws Exception;

    @BeforeAll
    void start() throws Exception {
        assertAgentAttached();
        backend = RecordingBackend.start();
        inbound = InboundServer.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (inbound != null) {
            inbound.stop();
        }
        if (backend != null) {
            backend.stop();
        }
    }

    Stream<Arguments> cases() {
        return ways().stream().map(way -> Arguments.of(libraryAndVersion(), way));
    }

    @Test
    void theLibraryOnTheClassPathIsTheExpectedVersion() throws Exception {
        for (String classFile : classFiles()) {
            List<URL> copies = Collections.list(getClass().getClassLoader().getResources(classFile));
            assertEquals(1, copies.size(), () -> libraryAndVersion() + ": expected " + classFile
                    + " once on the class path, found " + copies);
        }
        assertEquals(expectedVersion(), versionOnClassPath(), () -> "the failsafe execution for "
                + libraryAndVersion() + " has another version of " + library() + " on its class path");
    }

    // (i)
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void withoutARequestContextTheLocalLabelIsSentOnce(String lib, String way) throws Exception {
        String path = backend.newPath();

        get(way, backend.url(path), null);

        Map<String, List<String>> received = backend.received(path);
        assertOnce(received, LABEL, LOCAL_LANE, lib, way + " outside any request");
        assertAbsent(received, REQUEST_ID, lib, way + " outside any request");
    }

    // (ii)
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void insideAnInboundRequestItsLabelAndRequestIdAreSentOnce(String lib, String way) throws Exception {
        String path = backend.newPath();
        String label = "lane-" + shortId();
        String requestId = UUID.randomUUID().toString();

        inbound.serve(() -> get(way, backend.url(path), null), LABEL, label, REQUEST_ID, requestId);

        Map<String, List<String>> received = backend.received(path);
        assertOnce(received, LABEL, label, lib, way + " inside an inbound servlet request");
        assertOnce(received, REQUEST_ID, requestId, lib, way + " inside an inbound servlet request");
    }

    // (iii) the request id still comes from the inbound request, so this fails without the agent too
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void aLabelTheApplicationSetsWinsOverTheInboundOne(String lib, String way) throws Exception {
        String path = backend.newPath();
        String requestId = UUID.randomUUID().toString();

        inbound.serve(() -> get(way, backend.url(path), "app-set"), LABEL, "lane-" + shortId(), REQUEST_ID, requestId);

        Map<String, List<String>> received = backend.received(path);
        assertOnce(received, LABEL, "app-set", lib, way + " with the label set by the application");
        assertOnce(received, REQUEST_ID, requestId, lib, way + " with the label set by the application");
    }

    // (iv) hook.argLine sets graylane.shadow.guard=all: a shadow copy's call fails before anything is sent
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void aShadowCopysCallFailsBeforeItIsSent(String lib, String way) throws Exception {
        String path = backend.newPath();

        String outcome = inbound.serve(() -> {
            try {
                return "sent: " + get(way, backend.url(path), null);
            } catch (Exception e) {
                return "failed: " + e;
            }
        }, "x-graylane-mirror", "1", REQUEST_ID, UUID.randomUUID().toString());

        assertTrue(outcome.startsWith("failed: ") && outcome.contains("IOException")
                && outcome.contains("graylane: blocked GET " + backend.url("").replaceAll("/$", "")),
                () -> lib + ", " + way + " of a shadow copy: expected an IOException 'graylane: blocked GET ...', got " + outcome);
        assertTrue(!backend.hasReceived(path), () -> lib + ", " + way + ": the blocked call reached the backend");
    }

    String libraryAndVersion() {
        return library() + " " + expectedVersion();
    }

    static String expectedVersion() {
        String version = System.getProperty(VERSION_PROPERTY);
        if (version == null || version.isBlank()) {
            fail("system property " + VERSION_PROPERTY + " is not set: hook tests run through the hook-* failsafe"
                    + " executions of it-tests/pom.xml (mvn -B verify), which set it and attach the agent");
        }
        return version;
    }

    /** {@code Class.getMethod(name).invoke(null)} by name, so that nothing is inlined at compile time. */
    static Object callStatic(String className, String method) throws Exception {
        Method m = Class.forName(className).getMethod(method);
        return m.invoke(null);
    }

    private static void assertAgentAttached() {
        try {
            // the agent puts its own jar on the bootstrap class path before it installs the hooks
            Class.forName("io.graylane.core.Traffic", false, null);
        } catch (ClassNotFoundException e) {
            fail("this JVM runs without the graylane agent; hook tests run through the hook-* failsafe executions"
                    + " of it-tests/pom.xml, whose argLine has -javaagent:agent/target/graylane-agent.jar");
        }
        assertEquals(LOCAL_LANE, System.getProperty("graylane.label.local"),
                "hook tests expect -Dgraylane.label.local=" + LOCAL_LANE + " (hook.argLine in it-tests/pom.xml)");
    }

    private static void assertOnce(Map<String, List<String>> received, String name, String expected,
                                   String lib, String scenario) {
        List<String> values = received.getOrDefault(name, List.of());
        assertEquals(List.of(expected), values, () -> lib + ", " + scenario + ": expected the backend to receive "
                + name + ": " + expected + " exactly once, got " + values + "; all headers: " + received);
    }

    private static void assertAbsent(Map<String, List<String>> received, String name, String lib, String scenario) {
        List<String> values = received.getOrDefault(name, List.of());
        assertTrue(values.isEmpty(), () -> lib + ", " + scenario + ": expected no " + name + " header, got "
                + values + "; all headers: " + received);
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Names carry the library version: {@code OkHttpHookIT [4.12.0]}, {@code theLibraryOnTheClassPathIsTheExpectedVersion
     * [4.12.0]}; each parameterized case adds library, version and way: {@code ... [okhttp 4.12.0, enqueue]}.
     */
    static final class WithLibraryVersion extends DisplayNameGenerator.Standard {
        @Override
        public String generateDisplayNameForClass(Class<?> testClass) {
            return super.generateDisplayNameForClass(testClass) + version();
        }

        @Override
        public String generateDisplayNameForMethod(List<Class<?>> enclosingInstanceTypes, Class<?> testClass,
                                                   Method testMethod) {
            return testMethod.getParameterCount() == 0 ? testMethod.getName() + version() : testMethod.getName();
        }

        private static String version() {
            return " [" + System.getProperty(VERSION_PROPERTY, "no " + VERSION_PROPERTY) + "]";
        }
    }

    static IOException httpError(String url, int status, String body) {
        return new IOException("HTTP " + status + " from " + url + ": " + body);
    }
}
