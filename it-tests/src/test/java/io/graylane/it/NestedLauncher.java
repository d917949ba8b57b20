package io.graylane.it;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.jar.JarFile;

/**
 * {@code java -cp TEST_CLASSES io.graylane.it.NestedLauncher APP_JAR ARGS...}: runs APP_JAR's main class in a class
 * loader of its own, as Spring Boot's launcher runs a fat jar's application: the application class loader sees none
 * of the libraries graylane instruments. With no argument, prints a line and exits (a JVM with no such library at all).
 */
public final class NestedLauncher {

    private NestedLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.out.println("[launcher] nothing to launch");
            return;
        }
        Path jar = Path.of(args[0]);
        String mainClass;
        try (JarFile file = new JarFile(jar.toFile())) {
            mainClass = file.getManifest().getMainAttributes().getValue("Main-Class");
        }
        URLClassLoader loader = new URLClassLoader("nested", new URL[] {jar.toUri().toURL()},
                NestedLauncher.class.getClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        Method main = loader.loadClass(mainClass).getMethod("main", String[].class);
        main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    }
}
