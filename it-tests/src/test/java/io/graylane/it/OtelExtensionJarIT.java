package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * What users pass to otel.javaagent.extensions: graylane's own classes only (graylane-core relocated under
 * io.graylane.otel.shaded, nothing of OpenTelemetry, which the agent provides), Java 8 class files, and the
 * two service registrations the agent's SDK set-up looks for.
 */
class OtelExtensionJarIT {

    private static final int JAVA_8 = 52;

    @Test
    void everyEntryIsGraylanesOwnWithCoreRelocated() throws IOException {
        List<String> strangers = new ArrayList<>();
        boolean relocatedCore = false;
        try (JarFile jar = new JarFile(Artifacts.otelExtensionJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                relocatedCore |= name.equals("io/graylane/otel/shaded/core/TrafficResolver.class");
                boolean own = name.equals("io/") || name.equals("io/graylane/") || name.startsWith("io/graylane/otel/")
                        || name.startsWith("META-INF/");
                if (!own) strangers.add(name);
            }
        }
        assertTrue(strangers.isEmpty(), () -> "expected only io/graylane/otel/ and META-INF/ entries in "
                + Artifacts.otelExtensionJar() + ", found " + strangers);
        assertTrue(relocatedCore, "expected graylane-core relocated under io/graylane/otel/shaded/core/");
    }

    @Test
    void classFilesRunOnJava8() throws IOException {
        List<String> tooNew = new ArrayList<>();
        try (JarFile jar = new JarFile(Artifacts.otelExtensionJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                if (entry.isDirectory() || !entry.getName().endsWith(".class")) continue;
                try (InputStream in = jar.getInputStream(entry)) {
                    byte[] header = in.readNBytes(8);
                    int major = ((header[6] & 0xff) << 8) | (header[7] & 0xff);
                    if (major > JAVA_8) tooNew.add(entry.getName() + " (major " + major + ")");
                }
            }
        }
        assertTrue(tooNew.isEmpty(), () -> "expected Java 8 class files (major " + JAVA_8 + "), found " + tooNew);
    }

    @Test
    void thePropagatorAndTheCustomizerAreRegistered() throws IOException {
        try (JarFile jar = new JarFile(Artifacts.otelExtensionJar().toFile())) {
            assertEquals("io.graylane.otel.GraylanePropagatorProvider", service(jar,
                    "io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider"));
            assertEquals("io.graylane.otel.GraylaneCustomizerProvider", service(jar,
                    "io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider"));
        }
    }

    private static String service(JarFile jar, String spi) throws IOException {
        JarEntry entry = jar.getJarEntry("META-INF/services/" + spi);
        assertTrue(entry != null, () -> "expected META-INF/services/" + spi + " in " + jar.getName());
        try (InputStream in = jar.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }
}
