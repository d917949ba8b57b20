package io.graylane.it;

import static io.graylane.it.Echo.assertHeaderOnce;
import static io.graylane.it.SampleApps.FRONT_LANE;
import static io.graylane.it.SampleApps.LABEL;
import static io.graylane.it.SampleApps.REQUEST_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * graylane starts Byte Buddy only in a JVM that loads a library it instruments: a JVM without one pays for the agent's
 * own start alone and never has its thread classes retransformed. When the libraries sit in a nested class loader (a
 * Spring Boot fat jar), instrumentation starts with the first of their classes that loads, and the JDK's thread classes
 * loaded before are instrumented before that class can open a context: every hop still carries the request's label.
 */
@ExtendWith(JvmLogTail.class)
class LazyStartIT {

    private static AgentJvm backend;
    private static AgentJvm front;

    @BeforeAll
    static void startServices() throws IOException {
        AgentJvm.Builder backendBuilder = SampleApps.backend("lazy-backend", null).withAgent(false);
        AgentJvm.Builder frontBuilder = AgentJvm.classpathBuilder("lazy-front", List.of(launcherJar()),
                NestedLauncher.class.getName()).env("ASM_TRAFFIC_TAG", FRONT_LANE);
        frontBuilder.args(Artifacts.frontJar().toString(), Integer.toString(frontBuilder.port()), backendBuilder.baseUrl());
        List<AgentJvm> started = AgentJvm.startAll(backendBuilder, frontBuilder);
        backend = started.get(0);
        front = started.get(1);
    }

    @AfterAll
    static void stopServices() {
        AgentJvm.closeAll(front, backend);
    }

    static Stream<String> hops() {
        return ContextAcrossThreadsIT.availableHops().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hops")
    void withTheLibrariesInANestedLoaderEachHopCarriesTheLabel(String hop) {
        String requestId = "lazy-" + hop + "-" + System.nanoTime();
        Http.Response response = Http.get(front.url("/hop/" + hop), LABEL, "lane-" + hop, REQUEST_ID, requestId);

        Echo.ok(response);
        assertHeaderOnce(Echo.downstream(response), LABEL, "lane-" + hop, response);
        assertHeaderOnce(Echo.downstream(response), REQUEST_ID, requestId, response);
    }

    /** Also with the shadow write guard on, which adds the JDBC rules (any class name). */
    @ParameterizedTest(name = "graylane.shadow.guard={0}")
    @ValueSource(strings = {"off", "all"})
    void aJvmWithoutAnInstrumentedLibraryNeverLoadsByteBuddy(String guard) throws Exception {
        String output = launchNothing(Artifacts.agentJar(), "-Dgraylane.shadow.guard=" + guard,
                "-Dgraylane.log.level=debug", "-Xlog:class+load");
        List<String> byteBuddy = output.lines().filter(line -> line.contains("io.graylane.shaded.net.bytebuddy.")
                && !line.contains(".matcher.")).toList();
        assertTrue(byteBuddy.isEmpty(), () -> "expected no Byte Buddy class loaded but its matchers, found "
                + byteBuddy.size() + ", first: " + byteBuddy.stream().limit(5).toList());
        List<String> instrumented = output.lines().filter(line -> line.contains("DEBUG instrumented ")).toList();
        assertTrue(instrumented.isEmpty(), () -> "expected no class instrumented, got " + instrumented);
    }

    /**
     * Runs {@link NestedLauncher} with nothing to launch under the agent jar {@code agent} and these JVM options; its
     * output, once it exited 0 having printed its line and graylane's startup line.
     */
    static String launchNothing(Path agent, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>(List.of(Artifacts.java(), "-javaagent:" + agent));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", launcherJar().toString(), NestedLauncher.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the JVM did not exit within 60 s:\n" + output);
        }
        assertEquals(0, process.exitValue(), () -> "exit status; output:\n" + output);
        assertTrue(output.contains("[launcher] nothing to launch"), () -> "expected the program's line in:\n" + output);
        assertTrue(output.contains("[graylane] graylane ") && output.contains(" started: "),
                () -> "expected graylane's startup line in:\n" + output);
        return output;
    }

    /** A jar with {@link NestedLauncher} alone, made from the compiled test class once. */
    private static synchronized Path launcherJar() throws IOException {
        Path jar = Artifacts.logDir().resolve("nested-launcher.jar");
        if (Files.isRegularFile(jar)) return jar;
        String entry = NestedLauncher.class.getName().replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = NestedLauncher.class.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) throw new IOException("cannot read " + entry);
            bytes = in.readAllBytes();
        }
        Files.createDirectories(jar.getParent());
        Path partial = Files.createTempFile(jar.getParent(), "nested-launcher", ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(partial))) {
            out.putNextEntry(new JarEntry(entry));
            out.write(bytes);
            out.closeEntry();
        }
        return Files.move(partial, jar, StandardCopyOption.REPLACE_EXISTING);
    }
}
