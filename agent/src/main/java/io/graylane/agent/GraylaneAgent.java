package io.graylane.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.jar.JarFile;

/**
 * Entry point named by the manifest. It puts the agent jar on the bootstrap class path, so that
 * graylane's context classes are one set of classes visible to every class loader (JDK classes
 * such as HttpURLConnection are instrumented too), then hands over to {@code Installer}, loaded
 * from there. Whatever goes wrong, the application starts: graylane never aborts its host.
 */
public final class GraylaneAgent {

    private GraylaneAgent() {}

    public static void premain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation);
    }

    public static void agentmain(String agentArgs, Instrumentation instrumentation) {
        start(agentArgs, instrumentation);
    }

    private static void start(String agentArgs, Instrumentation instrumentation) {
        try {
            File file = new File(GraylaneAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // opened once: the installer keeps reading advice and helpers from it
            JarFile jar = new JarFile(file);
            instrumentation.appendToBootstrapClassLoaderSearch(jar);
            Class<?> installer = Class.forName("io.graylane.agent.Installer", true, null);
            installer.getMethod("install", String.class, Instrumentation.class, JarFile.class)
                    .invoke(null, agentArgs, instrumentation, jar);
        } catch (Throwable t) {
            Throwable cause = t.getCause() != null ? t.getCause() : t;
            System.err.println("[graylane] ERROR graylane could not start; the application runs without it: " + cause);
        }
    }
}
