package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The built jars under test, as failsafe passes them; a missing jar fails the test, it never skips. */
final class Artifacts {

    /** What sample-apps/dubbo27 copies (the root pom's dubbo27.version). */
    static final String DUBBO27_VERSION = System.getProperty("graylane.dubbo27.version", "2.7.23");

    private Artifacts() {
    }

    static Path agentJar() {
        return existing("graylane.agent.jar", "../agent/target/graylane-agent.jar");
    }

    static Path frontJar() {
        return existing("graylane.front.jar", "../sample-apps/target/graylane-front.jar");
    }

    static Path backendJar() {
        return existing("graylane.backend.jar", "../sample-apps/target/graylane-backend.jar");
    }

    /** The ratings Dubbo provider on Dubbo 3.3 (shaded). */
    static Path ratingsJar() {
        return existing("graylane.ratings.jar", "../sample-apps/target/graylane-ratings.jar");
    }

    /** The HTTP front that calls ratings, on Dubbo 3.3 (shaded). */
    static Path dubboFrontJar() {
        return existing("graylane.dubbo-front.jar", "../sample-apps/target/graylane-dubbo-front.jar");
    }

    /**
     * The class path of the same Dubbo sample apps on Dubbo 2.7: the sample classes without dependencies, and
     * the directory sample-apps/dubbo27 fills with Dubbo 2.7 and Tomcat.
     */
    static List<String> dubbo27ClassPath() {
        Path classes = Path.of(System.getProperty("graylane.sample-classes.jar", "")).toAbsolutePath().normalize();
        Path lib = Path.of(System.getProperty("graylane.dubbo27.lib", "../sample-apps/target/dubbo27-lib"))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(classes) || !Files.isRegularFile(lib.resolve("dubbo-" + DUBBO27_VERSION + ".jar"))) {
            fail(classes + " or " + lib + "/dubbo-" + DUBBO27_VERSION + ".jar does not exist. Build the artifacts first:"
                    + " run `mvn -B -DskipTests package` at the repository root, then run the tests again.");
        }
        return List.of(classes.toString(), lib + File.separator + "*");
    }

    /** The java launcher for the JVMs under test (-Dgraylane.it.java=... on the Maven command line). */
    static String java() {
        String configured = System.getProperty("graylane.java");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static Path logDir() {
        return Path.of(System.getProperty("graylane.it.log-dir", "target/jvm-logs")).toAbsolutePath().normalize();
    }

    private static Path existing(String property, String fallback) {
        Path path = Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            fail(path + " does not exist (system property " + property + "). Build the artifacts first:"
                    + " run `mvn -B -DskipTests package` at the repository root, then run the tests again.");
        }
        return path;
    }
}
