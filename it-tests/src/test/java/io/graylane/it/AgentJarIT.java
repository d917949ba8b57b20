package io.graylane.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** What users attach: graylane-agent.jar holds only graylane's own (shaded) classes and runs on Java 8. */
class AgentJarIT {

    private static final String AGENT_CLASS = "io.graylane.agent.GraylaneAgent";
    private static final int JAVA_8 = 52;
    private static final int JAVA_11 = 55;
    /** Advice for java.net.http, only ever inlined into JDK 11+ classes. */
    private static final String JAVA_HTTP_CLIENT_ADVICE = "io/graylane/agent/instrumentation/javahttpclient/";

    @Test
    void everyEntryIsUnderIoGraylaneOrMetaInf() throws IOException {
        List<String> strangers = new ArrayList<>();
        try (JarFile jar = new JarFile(Artifacts.agentJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                boolean parentOfOwnPackage = name.equals("io/");
                if (!parentOfOwnPackage && !name.startsWith("io/graylane/") && !name.startsWith("META-INF/")) {
                    strangers.add(name);
                }
            }
        }
        assertTrue(strangers.isEmpty(), () -> "expected every entry of " + Artifacts.agentJar()
                + " under io/graylane/ or META-INF/ (dependencies shaded under io.graylane.shaded), found "
                + strangers.size() + ": " + firstFew(strangers));
    }

    @Test
    void manifestNamesTheAgentClassAndAllowsRetransformation() throws IOException {
        try (JarFile jar = new JarFile(Artifacts.agentJar().toFile())) {
            Manifest manifest = jar.getManifest();
            assertTrue(manifest != null, "expected a META-INF/MANIFEST.MF in " + Artifacts.agentJar());
            Attributes main = manifest.getMainAttributes();
            String all = main.entrySet().toString();
            assertEquals(AGENT_CLASS, main.getValue("Premain-Class"), () -> "Premain-Class; manifest: " + all);
            assertEquals(AGENT_CLASS, main.getValue("Agent-Class"), () -> "Agent-Class; manifest: " + all);
            assertEquals("true", main.getValue("Can-Retransform-Classes"),
                    () -> "Can-Retransform-Classes; manifest: " + all);
        }
    }

    @Test
    void classFilesRunOnJava8ExceptTheJavaHttpClientAdvice() throws IOException {
        List<String> tooNew = new ArrayList<>();
        int classes = 0;
        try (JarFile jar = new JarFile(Artifacts.agentJar().toFile())) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                String name = entry.getName();
                if (entry.isDirectory() || !name.endsWith(".class")) {
                    continue;
                }
                classes++;
                int major = majorVersion(jar, entry);
                int allowed = name.startsWith(JAVA_HTTP_CLIENT_ADVICE) ? JAVA_11 : JAVA_8;
                if (major > allowed) {
                    tooNew.add(name + " (major " + major + ", at most " + allowed + " allowed)");
                }
            }
        }
        assertTrue(classes > 0, "expected class files in " + Artifacts.agentJar());
        assertTrue(tooNew.isEmpty(), () -> "expected every class file at most major version " + JAVA_8
                + " (Java 8), except " + JAVA_HTTP_CLIENT_ADVICE + " at most " + JAVA_11 + "; found " + tooNew.size()
                + ": " + firstFew(tooNew));
    }

    /** Bytes 6-7 of a class file, after the 0xCAFEBABE magic and the minor version. */
    private static int majorVersion(JarFile jar, JarEntry entry) throws IOException {
        try (InputStream in = jar.getInputStream(entry)) {
            byte[] header = in.readNBytes(8);
            boolean classFile = header.length == 8 && (header[0] & 0xff) == 0xCA && (header[1] & 0xff) == 0xFE
                    && (header[2] & 0xff) == 0xBA && (header[3] & 0xff) == 0xBE;
            assertTrue(classFile, () -> entry.getName() + " in " + jar.getName() + " is not a class file");
            return ((header[6] & 0xff) << 8) | (header[7] & 0xff);
        }
    }

    private static String firstFew(List<String> names) {
        return names.size() <= 40 ? names.toString() : names.subList(0, 40) + " ...";
    }
}
