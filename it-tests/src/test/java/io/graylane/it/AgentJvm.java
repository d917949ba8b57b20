package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One application under test in its own JVM:
 * {@code java [-javaagent:GRAYLANE] [other JVM options...] [-Dk=v...] -jar APP args} (or {@code -cp CLASSPATH MAIN args}),
 * stdout and stderr in one log file under {@code target/jvm-logs/}, ready once {@code GET /health} answers 200
 * (or, for an application without HTTP, once its log shows a given line).
 */
final class AgentJvm implements AutoCloseable {

    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 50;

    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Set<Integer> PORTS_HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final Set<AgentJvm> RUNNING = ConcurrentHashMap.newKeySet();
    private static final HttpClient HEALTH_CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    static {
        // a test JVM that dies or forgets close() must not leave applications behind
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AgentJvm jvm : RUNNING) {
                jvm.process.destroyForcibly();
            }
        }, "agent-jvm-reaper"));
    }

    private final String name;
    private final int port;
    private final Process process;
    private final Path logFile;
    private final List<String> command;
    /** null: ready when GET /health answers 200 */
    private final String readyLine;
    private final Duration startupTimeout;

    private AgentJvm(String name, int port, Process process, Path logFile, List<String> command, String readyLine,
                     Duration startupTimeout) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.logFile = logFile;
        this.command = command;
        this.readyLine = readyLine;
        this.startupTimeout = startupTimeout;
    }

    /** {@code java ... -jar JAR}. */
    static Builder builder(String name, Path jar) {
        return new Builder(name, jar, null, null);
    }

    /** {@code java ... -cp CLASSPATH MAIN_CLASS}: to run an application on other library versions than its jar has. */
    static Builder classpathBuilder(String name, List<Path> classpath, String mainClass) {
        return new Builder(name, null, List.copyOf(classpath), mainClass);
    }

    /** A loopback port that is free now and that no other caller in this test JVM was given. */
    static int freePort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int candidate = socket.getLocalPort();
                if (PORTS_HANDED_OUT.add(candidate)) {
                    return candidate;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind a loopback port", e);
            }
        }
        throw new IllegalStateException("no free loopback port found");
    }

    /** Launches every JVM first, then waits for each: start-ups overlap. On failure all of them are stopped. */
    static List<AgentJvm> startAll(Builder... builders) {
        List<AgentJvm> launched = new ArrayList<>();
        try {
            for (Builder builder : builders) {
                launched.add(builder.launch());
            }
            for (AgentJvm jvm : launched) {
                jvm.awaitReady(jvm.startupTimeout);
            }
            return launched;
        } catch (RuntimeException | Error e) {
            launched.forEach(AgentJvm::close);
            throw e;
        }
    }

    /** JVMs started and not closed yet, for printing their logs when a test fails. */
    static List<AgentJvm> running() {
        return new ArrayList<>(RUNNING);
    }

    static void closeAll(AgentJvm... jvms) {
        for (AgentJvm jvm : jvms) {
            if (jvm != null) {
                jvm.close();
            }
        }
    }

    String name() {
        return name;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** host:port, for a gRPC server. */
    String address() {
        return "127.0.0.1:" + port;
    }

    String url(String pathAndQuery) {
        return baseUrl() + pathAndQuery;
    }

    Path logFile() {
        return logFile;
    }

    /** The command line it was started with. */
    List<String> command() {
        return command;
    }

    /** Everything the JVM printed so far, stdout and stderr interleaved. */
    String log() {
        try {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> logLines() {
        return log().lines().toList();
    }

    String logTail(int lines) {
        List<String> all = logLines();
        return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Polls the log until {@code condition} holds; fails with the log tail at the deadline. */
    String awaitLog(String expectation, Predicate<String> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String log = log();
            if (condition.test(log)) {
                return log;
            }
            if (System.nanoTime() - deadline > 0) {
                fail("log of " + this + " never showed " + expectation + " within " + timeout + "; last lines:\n"
                        + logTail(60));
            }
            pause();
        }
    }

    @Override
    public void close() {
        RUNNING.remove(this);
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", port " + port + ", log " + logFile + ")";
    }

    private void awaitReady(Duration timeout) {
        HttpRequest health = HttpRequest.newBuilder(URI.create(url("/health")))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        String expectation = readyLine == null ? "GET /health answered 200" : "its log showed '" + readyLine + "'";
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastOutcome = "no answer yet";
        while (true) {
            if (!process.isAlive()) {
                if (readyLine != null && process.exitValue() == 0 && log().contains(readyLine)) {
                    return; // a program that runs to its end (a client) may print its line and exit between two looks
                }
                String message = this + " exited with code " + process.exitValue() + " before " + expectation
                        + "\ncommand: " + String.join(" ", command) + "\nlast lines of its log:\n" + logTail(60);
                close();
                fail(message);
            }
            if (readyLine != null) {
                if (log().contains(readyLine)) {
                    return;
                }
            } else {
                try {
                    HttpResponse<String> response = HEALTH_CLIENT.send(health, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    lastOutcome = "status " + response.statusCode() + ": " + response.body();
                } catch (IOException e) {
                    lastOutcome = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new IllegalStateException("interrupted while waiting for " + this, e);
                }
            }
            if (System.nanoTime() - deadline > 0) {
                String message = this + " was not ready within " + timeout + ": expected " + expectation
                        + (readyLine == null ? " (last: " + lastOutcome + ")" : "")
                        + "\ncommand: " + String.join(" ", command) + "\nlast lines of its log:\n" + logTail(60);
                close();
                fail(message);
            }
            try {
                process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS); // returns early if the process dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for " + this, e);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static final class Builder {
        private final String name;
        /** exactly one of jar and classpath + mainClass */
        private final Path jar;
        private final List<Path> classpath;
        private final String mainClass;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private boolean withAgent = true;
        private int port = -1;
        private String readyLine;
        private Duration startupTimeout = STARTUP_TIMEOUT;

        private Builder(String name, Path jar, List<Path> classpath, String mainClass) {
            this.name = name;
            this.jar = jar;
            this.classpath = classpath;
            this.mainClass = mainClass;
        }

        /** Ready once the log contains {@code text}, instead of once GET /health answers 200. */
        Builder readyWhenLogShows(String text) {
            this.readyLine = text;
            return this;
        }

        /** host:port the application will listen on, known before it starts. */
        String address() {
            return "127.0.0.1:" + port();
        }

        /** The port /health is polled on; picked with {@link #freePort()} unless set. */
        Builder port(int port) {
            this.port = port;
            return this;
        }

        int port() {
            if (port < 0) {
                port = freePort();
            }
            return port;
        }

        /** The URL the application will answer on, known before it starts. */
        String baseUrl() {
            return "http://127.0.0.1:" + port();
        }

        Builder args(String... programArgs) {
            args.addAll(Arrays.asList(programArgs));
            return this;
        }

        Builder withAgent(boolean attach) {
            this.withAgent = attach;
            return this;
        }

        /**
         * JVM options placed, in this order, after graylane's {@code -javaagent} (when {@link #withAgent}) and
         * before the system properties: other agents ({@code -javaagent:...}), in the order they must start, or
         * options such as {@code --add-opens=...}.
         */
        Builder jvmOptions(String... options) {
            jvmOptions.addAll(Arrays.asList(options));
            return this;
        }

        /** How long to wait for /health; JVMs with a heavy agent start slowly on a busy 2-core machine. */
        Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /** A {@code -Dkey=value} JVM option, placed before {@code -jar}. */
        Builder systemProperty(String key, String value) {
            systemProperties.put(key, value);
            return this;
        }

        Builder env(String key, String value) {
            environment.put(key, value);
            return this;
        }

        AgentJvm start() {
            AgentJvm jvm = launch();
            jvm.awaitReady(startupTimeout);
            return jvm;
        }

        private AgentJvm launch() {
            int appPort = port();
            List<String> command = new ArrayList<>();
            command.add(Artifacts.java());
            // small, quick-starting JVMs: the suite starts several on a 2-core machine
            command.add("-Xmx256m");
            command.add("-XX:+UseSerialGC");
            command.add("-XX:TieredStopAtLevel=1");
            if (withAgent) {
                command.add("-javaagent:" + Artifacts.agentJar());
            }
            command.addAll(jvmOptions);
            systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
            if (jar != null) {
                command.add("-jar");
                command.add(existing(jar).toString());
            } else {
                List<String> entries = new ArrayList<>();
                classpath.forEach(entry -> entries.add(existing(entry).toString()));
                command.add("-cp");
                command.add(String.join(java.io.File.pathSeparator, entries));
                command.add(mainClass);
            }
            command.addAll(args);

            Path logFile = Artifacts.logDir().resolve(name + "-" + SEQUENCE.incrementAndGet() + ".log");
            ProcessBuilder processBuilder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            Map<String, String> env = processBuilder.environment();
            // hermetic: nothing from the caller's shell may attach an agent or configure graylane or OpenTelemetry
            env.keySet().removeIf(key -> key.startsWith("GRAYLANE_") || key.startsWith("OTEL_")
                    || key.equals("ASM_TRAFFIC_TAG") || key.equals("JAVA_TOOL_OPTIONS") || key.equals("JDK_JAVA_OPTIONS")
                    || key.equals("_JAVA_OPTIONS"));
            env.putAll(environment);
            try {
                Files.createDirectories(logFile.getParent());
                AgentJvm jvm = new AgentJvm(name, appPort, processBuilder.start(), logFile, List.copyOf(command),
                        readyLine, startupTimeout);
                RUNNING.add(jvm);
                return jvm;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
            }
        }

        private static Path existing(Path jar) {
            Path absolute = jar.toAbsolutePath().normalize();
            if (!Files.isRegularFile(absolute)) {
                fail(absolute + " does not exist. Build the artifacts first: run `mvn -B -DskipTests package`"
                        + " at the repository root.");
            }
            return absolute;
        }
    }
}
