package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The built jars under test, as failsafe passes them; a missing jar fails the test, it never skips. */
final class Artifacts {

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
     * The class path of the same Dubbo sample apps on another Dubbo line ({@code "27"}, {@code "32"}): the sample
     * classes without dependencies, and the directory sample-apps/dubbo27 (or dubbo32) fills with that Dubbo and
     * Tomcat.
     */
    static List<String> dubboClassPath(String line) {
        Path classes = Path.of(System.getProperty("graylane.sample-classes.jar", "")).toAbsolutePath().normalize();
        Path lib = Path.of(System.getProperty("graylane.dubbo" + line + ".lib", "../sample-apps/target/dubbo" + line + "-lib"))
                .toAbsolutePath().normalize();
        Path dubbo = lib.resolve("dubbo-" + dubboVersion(line) + ".jar");
        if (!Files.isRegularFile(classes) || !Files.isRegularFile(dubbo)) {
            fail(classes + " or " + dubbo + " does not exist. Build the artifacts first:"
                    + " run `mvn -B -DskipTests package` at the repository root, then run the tests again.");
        }
        return List.of(classes.toString(), lib + File.separator + "*");
    }

    /** The Dubbo version that sample-apps/dubbo27 (dubbo32) copies: the root pom's dubbo27.version (dubbo32.version). */
    static String dubboVersion(String line) {
        String version = System.getProperty("graylane.dubbo" + line + ".version");
        if (version == null || version.isBlank()) {
            fail("system property graylane.dubbo" + line + ".version is not set (failsafe sets it from the root pom)");
        }
        return version;
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
