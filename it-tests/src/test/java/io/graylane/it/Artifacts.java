package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.util.ArrayList;
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

    /** The WebFlux sample service (a Spring Boot executable jar; built by sample-apps/webflux). */
    static Path webfluxJar() {
        return existing("graylane.webflux.jar", "../sample-apps/target/graylane-webflux.jar");
    }

    /** The same WebFlux sample built on the Spring Boot 3 line (Reactor Netty 1.2; built by sample-apps/webflux-boot3). */
    static Path webfluxBoot3Jar() {
        return existing("graylane.webflux-boot3.jar", "../sample-apps/target/graylane-webflux-boot3.jar");
    }

    /** The same WebFlux sample built on the Spring Boot 2.7 line (Reactor Netty 1.0; built by sample-apps/webflux-boot2). */
    /** The Spring Cloud Gateway sample (a Spring Boot executable jar; built by sample-apps/gateway). */
    static Path gatewayJar() {
        return existing("graylane.gateway.jar", "../sample-apps/target/graylane-gateway.jar");
    }

    /** The same gateway sample built on Spring Boot 3.5 and Spring Cloud 2025.0 (built by sample-apps/gateway-boot3). */
    static Path gatewayBoot3Jar() {
        return existing("graylane.gateway-boot3.jar", "../sample-apps/target/graylane-gateway-boot3.jar");
    }

    /** The same gateway sample built on Spring Boot 2.7 and Spring Cloud 2021.0 (built by sample-apps/gateway-boot2). */
    static Path gatewayBoot2Jar() {
        return existing("graylane.gateway-boot2.jar", "../sample-apps/target/graylane-gateway-boot2.jar");
    }

    static Path webfluxBoot2Jar() {
        return existing("graylane.webflux-boot2.jar", "../sample-apps/target/graylane-webflux-boot2.jar");
    }

    static Path reviewsJar() {
        return existing("graylane.reviews.jar", "../sample-apps/target/graylane-reviews.jar");
    }

    /** Reviews whose NEXT may also be ratings over Dubbo: gRPC and Dubbo 3.3 (shaded; built by sample-apps/reviews-dubbo). */
    static Path reviewsDubboJar() {
        return existing("graylane.reviews-dubbo.jar", "../sample-apps/target/graylane-reviews-dubbo.jar");
    }

    /** The ratings Dubbo provider on Dubbo 3.3 (shaded; built by sample-apps/dubbo). */
    static Path ratingsJar() {
        return existing("graylane.ratings.jar", "../sample-apps/target/graylane-ratings.jar");
    }

    /** The HTTP front that calls ratings, on Dubbo 3.3 (shaded; built by sample-apps/dubbo). */
    static Path dubboFrontJar() {
        return existing("graylane.dubbo-front.jar", "../sample-apps/target/graylane-dubbo-front.jar");
    }

    /** The unpacked Tomcat 11 distribution (maven-dependency-plugin, phase pre-integration-test, in it-tests). */
    static Path tomcatHome() {
        Path home = Path.of(System.getProperty("graylane.tomcat.home", "target/tomcat/apache-tomcat"))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(home.resolve("bin/bootstrap.jar"))) {
            fail(home + "/bin/bootstrap.jar does not exist (system property graylane.tomcat.home). The Tomcat"
                    + " distribution is unpacked by `mvn verify` in it-tests (phase pre-integration-test).");
        }
        return home;
    }

    /** A web application (module sample-apps/webapp-NAME): OkHttp 3 and Apache HttpClient 4 in its WEB-INF/lib. */
    static Path webappOkHttp3HttpClient4War() {
        return existing("graylane.webapp-okhttp3-httpclient4.war",
                "../sample-apps/webapp-okhttp3-httpclient4/target/graylane-webapp-okhttp3-httpclient4.war");
    }

    /** A web application with OkHttp 5 and Apache HttpClient 5 in its WEB-INF/lib. */
    static Path webappOkHttp5HttpClient5War() {
        return existing("graylane.webapp-okhttp5-httpclient5.war",
                "../sample-apps/webapp-okhttp5-httpclient5/target/graylane-webapp-okhttp5-httpclient5.war");
    }

    /** The Spring Boot sample as an executable jar (nested jars under BOOT-INF/lib). */
    static Path springBootJar() {
        return existing("graylane.spring-boot.jar", "../sample-apps/spring-boot/target/graylane-spring-boot.jar");
    }

    /** The same Spring Boot sample as a WAR for a servlet container. */
    static Path springBootWar() {
        return existing("graylane.spring-boot.war", "../sample-apps/spring-boot/target/graylane-spring-boot-webapp.war");
    }

    /** The sample apps' plain jar: their classes without any library, for runs on a class path of our choosing. */
    static Path sampleAppsClasses() {
        return existing("graylane.sample-apps.classes", "../sample-apps/target/graylane-sample-apps-0.1.0-SNAPSHOT.jar");
    }

    /** The jars of the oldest gRPC supported and what it needs (copied by maven-dependency-plugin). */
    static List<Path> grpcOldestJars() {
        return jarsIn("graylane.grpc-oldest.dir", "target/grpc-oldest", "grpc-core-",
                "`mvn verify` in it-tests (maven-dependency-plugin, phase pre-integration-test)");
    }

    /** The Dubbo sample apps' plain jar (module sample-apps/dubbo): ratings and dubbo-front without any library. */
    static Path sampleDubboClasses() {
        return existing("graylane.sample-dubbo.classes",
                "../sample-apps/dubbo/target/graylane-sample-dubbo-0.1.0-SNAPSHOT.jar");
    }

    /**
     * The class path of the Dubbo sample apps (ratings, dubbo-front) on another Dubbo line ({@code "27"},
     * {@code "32"}): their classes without any library (sample-apps/dubbo's plain jar, and sample-apps' for the
     * classes they share), then every jar sample-apps/dubbo27 (or dubbo32) copies to sample-apps/target/dubbo27-lib
     * (dubbo32-lib): that Dubbo, what it needs, and Tomcat.
     */
    static List<Path> dubboClassPath(String line) {
        List<Path> classPath = new ArrayList<>();
        classPath.add(sampleDubboClasses());
        classPath.add(sampleAppsClasses());
        classPath.addAll(jarsIn("graylane.dubbo" + line + ".lib", "../sample-apps/target/dubbo" + line + "-lib",
                "dubbo-" + dubboVersion(line) + ".jar", "`mvn -B -DskipTests package` at the repository root"
                        + " (module sample-apps/dubbo" + line + ")"));
        return classPath;
    }

    /** The Dubbo version sample-apps/dubbo27 (dubbo32) copies: the root pom's dubbo27.version (dubbo32.version). */
    static String dubboVersion(String line) {
        String version = System.getProperty("graylane.dubbo" + line + ".version");
        if (version == null || version.isBlank()) {
            fail("system property graylane.dubbo" + line + ".version is not set (failsafe sets it from the root pom)");
        }
        return version;
    }

    /**
     * The class path of the coexist sample (an application with its own Byte Buddy and TransmittableThreadLocal): its
     * plain jar (module sample-apps/coexist), then every jar that module copies to sample-apps/target/coexist-lib.
     */
    static List<Path> coexistClassPath() {
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("graylane.coexist.classes",
                "../sample-apps/coexist/target/graylane-sample-coexist-0.1.0-SNAPSHOT.jar"));
        classPath.addAll(jarsIn("graylane.coexist.lib", "../sample-apps/target/coexist-lib",
                "byte-buddy-" + pinned("graylane.app.bytebuddy.version") + ".jar",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/coexist)"));
        return classPath;
    }

    /**
     * The class path of the logging sample (Logback and Log4j 2 side by side): its plain jar (module
     * sample-apps/logging), then every jar that module copies to sample-apps/target/logging-lib.
     */
    static List<Path> loggingClassPath() {
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("graylane.logging.classes",
                "../sample-apps/logging/target/graylane-sample-logging-0.1.0-SNAPSHOT.jar"));
        classPath.addAll(jarsIn("graylane.logging.lib", "../sample-apps/target/logging-lib", "log4j-core-",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/logging)"));
        return classPath;
    }

    /** The Kafka broker (kafka_2.13, KRaft) and what it needs, copied by sample-apps/kafka-broker. */
    static List<Path> kafkaBrokerClassPath() {
        return jarsIn("graylane.kafka-broker.lib", "../sample-apps/target/kafka-broker-lib", "kafka_2.13-",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/kafka-broker)");
    }

    /**
     * The class path of the Kafka sample (module sample-apps/kafka): its plain jar and the libraries it copies to
     * sample-apps/target/kafka-lib (the kafka-clients Spring Boot pins, spring-kafka, Jetty).
     */
    static List<Path> kafkaClassPath() {
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("graylane.kafka.classes", "../sample-apps/kafka/target/graylane-sample-kafka-0.1.0-SNAPSHOT.jar"));
        classPath.addAll(kafkaLibraries());
        return classPath;
    }

    /**
     * The same with another kafka-clients: {@code "28"} the oldest (kafka.oldest.version, module sample-apps/kafka28),
     * {@code "-newest"} the newest (kafka.newest.version, sample-apps/kafka-newest). The jars that module copies to
     * sample-apps/target/kafka28-lib (kafka-newest-lib) replace the sample's jars of the same names.
     */
    static List<Path> kafkaClassPath(String line) {
        String version = pinned(line.equals("28") ? "graylane.kafka.oldest.version" : "graylane.kafka.newest.version");
        List<Path> replacements = jarsIn("graylane.kafka" + line + ".lib", "../sample-apps/target/kafka" + line + "-lib",
                "kafka-clients-" + version + ".jar",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/kafka" + line + ")");
        List<String> replaced = replacements.stream().map(p -> artifactOf(p.getFileName().toString())).toList();
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("graylane.kafka.classes", "../sample-apps/kafka/target/graylane-sample-kafka-0.1.0-SNAPSHOT.jar"));
        classPath.addAll(replacements);
        kafkaLibraries().stream().filter(p -> !replaced.contains(artifactOf(p.getFileName().toString())))
                .forEach(classPath::add);
        return classPath;
    }

    private static List<Path> kafkaLibraries() {
        return jarsIn("graylane.kafka.lib", "../sample-apps/target/kafka-lib", "kafka-clients-",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/kafka)");
    }

    /**
     * The Kafka sample's plain jar on the Spring Boot 3 line: the jars sample-apps/kafka-boot3 copies to
     * sample-apps/target/kafka-boot3-lib (Spring Boot 3.5, spring-kafka 3.3, kafka-clients 3.9; no Jetty, so the
     * consumers only).
     */
    static List<Path> kafkaBoot3ClassPath() {
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("graylane.kafka.classes", "../sample-apps/kafka/target/graylane-sample-kafka-0.1.0-SNAPSHOT.jar"));
        classPath.addAll(jarsIn("graylane.kafka-boot3.lib", "../sample-apps/target/kafka-boot3-lib", "spring-kafka-3.",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/kafka-boot3)"));
        return classPath;
    }

    /** The RocketMQ name server and broker (rocketmq-namesrv, rocketmq-broker) and what they need, copied by sample-apps/rocketmq-broker. */
    static List<Path> rocketMqBrokerClassPath() {
        return jarsIn("graylane.rocketmq-broker.lib", "../sample-apps/target/rocketmq-broker-lib", "rocketmq-broker-",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/rocketmq-broker)");
    }

    /**
     * The class path of the RocketMQ sample (module sample-apps/rocketmq): its plain jar and the libraries it copies to
     * sample-apps/target/rocketmq-lib (the newest rocketmq-client, Jetty); with {@code oldest}, the jars
     * sample-apps/rocketmq49 copies to sample-apps/target/rocketmq49-lib (rocketmq-client 4.9) replace the sample's jars
     * of the same names.
     */
    static List<Path> rocketMqClassPath(boolean oldest) {
        List<Path> libraries = jarsIn("graylane.rocketmq.lib", "../sample-apps/target/rocketmq-lib",
                "rocketmq-client-" + pinned("graylane.rocketmq.newest.version") + ".jar",
                "`mvn -B -DskipTests package` at the repository root (module sample-apps/rocketmq)");
        List<Path> classPath = new ArrayList<>();
        classPath.add(existing("graylane.rocketmq.classes",
                "../sample-apps/rocketmq/target/graylane-sample-rocketmq-0.1.0-SNAPSHOT.jar"));
        if (oldest) {
            List<Path> replacements = jarsIn("graylane.rocketmq49.lib", "../sample-apps/target/rocketmq49-lib",
                    "rocketmq-client-" + pinned("graylane.rocketmq.oldest.version") + ".jar",
                    "`mvn -B -DskipTests package` at the repository root (module sample-apps/rocketmq49)");
            List<String> replaced = replacements.stream().map(p -> artifactOf(p.getFileName().toString())).toList();
            classPath.addAll(replacements);
            libraries = libraries.stream().filter(p -> !replaced.contains(artifactOf(p.getFileName().toString()))).toList();
        }
        classPath.addAll(libraries);
        return classPath;
    }

    /** {@code kafka-clients-2.8.2.jar} -> {@code kafka-clients}: the name up to the dash before the version. */
    private static String artifactOf(String jar) {
        return jar.replaceFirst("-[0-9][^-]*(-[0-9]+)?\\.jar$", "");
    }

    /** The TransmittableThreadLocal jar among the coexist sample's libraries: the library, and the TTL agent. */
    static Path ttlAgentJar() {
        return existing("graylane.ttl.agent.jar", "../sample-apps/target/coexist-lib/transmittable-thread-local-"
                + pinned("graylane.ttl.version") + ".jar");
    }

    /** A version the root pom pins, as failsafe passes it. */
    static String pinned(String property) {
        String version = System.getProperty(property);
        if (version == null || version.isBlank()) {
            fail("system property " + property + " is not set (failsafe sets it from the root pom)");
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

    /** The jars in the directory {@code property} names, sorted; fails unless a name starts with {@code expected}. */
    private static List<Path> jarsIn(String property, String fallback, String expected, String filledBy) {
        Path dir = Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars = files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
            if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith(expected))) {
                fail("no " + expected + "* jar in " + dir + " (system property " + property + "). It is filled by "
                        + filledBy + ".");
            }
            return jars;
        } catch (IOException e) {
            return fail(dir + " cannot be listed (system property " + property + "). It is filled by " + filledBy
                    + ".", e);
        }
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
