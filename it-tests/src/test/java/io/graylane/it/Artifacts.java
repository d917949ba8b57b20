package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;

/** The built jars under test, as failsafe passes them; a missing jar fails the test, it never skips. */
final class Artifacts {

    private static int javaFeatureVersion;

    private Artifacts() {
    }

    static Path agentJar() {
        return existing("graylane.agent.jar", "../agent/target/graylane-agent.jar");
    }

    /** The OpenTelemetry Java agent, copied from Maven Central into target/ by the build. */
    static Path otelAgentJar() {
        return existing("graylane.otel.agent.jar", "target/otel/opentelemetry-javaagent.jar");
    }

    static Path otelExtensionJar() {
        return existing("graylane.otel.extension.jar", "../extensions/target/graylane-otel-extension.jar");
    }

    static Path frontJar() {
        return existing("graylane.front.jar", "../sample-apps/target/graylane-front.jar");
    }

    static Path backendJar() {
        return existing("graylane.backend.jar", "../sample-apps/target/graylane-backend.jar");
    }

    static Path reviewsJar() {
        return existing("graylane.reviews.jar", "../sample-apps/target/graylane-reviews.jar");
    }

    /** The sample apps' plain jar: their classes without any library, for runs on a class path of our choosing. */
    static Path sampleAppsClasses() {
        return existing("graylane.sample-apps.classes", "../sample-apps/target/graylane-sample-apps-0.1.0-SNAPSHOT.jar");
    }

    /** The jars of the oldest gRPC supported and what it needs (copied by maven-dependency-plugin). */
    static List<Path> grpcOldestJars() {
        Path dir = Path.of(System.getProperty("graylane.grpc-oldest.dir", "target/grpc-oldest")).toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
            if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith("grpc-core-"))) {
                fail("no grpc-core jar in " + dir + " (system property graylane.grpc-oldest.dir). It is filled by"
                        + " `mvn verify` in it-tests (maven-dependency-plugin, phase pre-integration-test).");
            }
            return jars;
        } catch (IOException e) {
            return fail(dir + " cannot be listed (system property graylane.grpc-oldest.dir). It is filled by"
                    + " `mvn verify` in it-tests (maven-dependency-plugin, phase pre-integration-test).", e);
        }
    }

    /** The java launcher for the JVMs under test (-Dgraylane.it.java=... on the Maven command line). */
    static String java() {
        String configured = System.getProperty("graylane.java");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The feature version (17, 25, ...) of {@link #java()}, asked of that launcher once. */
    static synchronized int javaFeatureVersion() {
        if (javaFeatureVersion == 0) {
            try {
                Process process = new ProcessBuilder(java(), "-XshowSettings:properties", "-version")
                        .redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes());
                process.waitFor();
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("java\\.specification\\.version = (\\d+)").matcher(output);
                if (!m.find()) fail("cannot read the Java version of " + java() + ":\n" + output);
                javaFeatureVersion = Integer.parseInt(m.group(1));
            } catch (java.io.IOException e) {
                fail("cannot run " + java(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted", e);
            }
        }
        return javaFeatureVersion;
    }

    /** A JDK tool (jcmd, ...) next to {@link #java()}. */
    static String jdkTool(String name) {
        return Path.of(java()).resolveSibling(name).toString();
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
