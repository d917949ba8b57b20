package io.graylane.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.net.URI;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.JarFile;

/**
 * Entry point named by the manifest. The agent jar must be on the bootstrap class path, so that
 * graylane's context classes are one set of classes visible to every class loader (JDK classes
 * such as HttpURLConnection are instrumented too); then it hands over to {@code Installer}, loaded
 * from there. Whatever goes wrong, the application starts: graylane never aborts its host.
 *
 * <p>The manifest's {@code Boot-Class-Path} names the jar as {@value #JAR_NAME}, beside itself: the JVM appends it
 * before it starts, like {@code -Xbootclasspath/a}. Only a jar of another name, or one attached to a running JVM, is
 * appended here, which makes the JVM stop sharing the application's and the platform's classes from its class data
 * archive and print a warning saying so.
 */
public final class GraylaneAgent {

    /** The jar's name in the manifest's {@code Boot-Class-Path}. */
    static final String JAR_NAME = "graylane-agent.jar";
    private static final String INSTALLER = "io.graylane.agent.Installer";
    private static final String SELF = "io/graylane/agent/GraylaneAgent.class";

    private GraylaneAgent() {}

    public static void premain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation);
    }

    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation);
    }

    private static void start(String agentArgs, Instrumentation instrumentation) {
        try {
            File file = agentJar();
            // opened once: the installer keeps reading advice and helpers from it
            JarFile jar = new JarFile(file);
            // loaded by the application class loader: the jar is not on the bootstrap class path yet
            if (GraylaneAgent.class.getClassLoader() != null) instrumentation.appendToBootstrapClassLoaderSearch(jar);
            Class<?> installer = Class.forName(INSTALLER, true, null);
            installer.getMethod("install", String.class, Instrumentation.class, JarFile.class)
                    .invoke(null, agentArgs, instrumentation, jar);
        } catch (Throwable t) {
            Throwable cause = t.getCause() != null ? t.getCause() : t;
            System.err.println("[graylane] ERROR graylane could not start; the application runs without it: " + cause);
        }
    }

    /**
     * The jar graylane runs from. Through its Boot-Class-Path, this class comes from the bootstrap class path; that jar
     * is the one given to {@code -javaagent} unless that one has another name and a jar named {@value #JAR_NAME} lies
     * beside it, which then comes first: said once, as graylane then runs that jar's classes.
     */
    private static File agentJar() throws Exception {
        if (GraylaneAgent.class.getClassLoader() != null) {
            return new File(GraylaneAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        }
        // the bootstrap class path's copy first, then the application class loader's (the -javaagent jar)
        Enumeration<URL> copies = ClassLoader.getSystemClassLoader().getResources(SELF);
        File boot = jarOf(copies.nextElement());
        while (copies.hasMoreElements()) {
            File given = jarOf(copies.nextElement());
            if (!given.getCanonicalFile().equals(boot.getCanonicalFile())) {
                System.err.println("[graylane] WARN graylane runs from " + boot + ", on the bootstrap class path through the"
                        + " Boot-Class-Path of " + given + ": give the agent jar the name " + JAR_NAME
                        + " or a directory of its own");
                break;
            }
        }
        return boot;
    }

    /** The jar file of a {@code jar:file:...!/entry} URL. */
    private static File jarOf(URL url) throws Exception {
        String spec = url.toString();
        return new File(new URI(spec.substring("jar:".length(), spec.indexOf("!/"))));
    }
}
