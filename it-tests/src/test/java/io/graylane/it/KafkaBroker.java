package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A single-node Kafka broker in KRaft mode (broker and controller in one JVM, without the agent), on two free
 * loopback ports, from the class path that sample-apps/kafka-broker copies to sample-apps/target/kafka-broker-lib:
 * its storage is formatted ({@code kafka.tools.StorageTool format}), then {@code kafka.Kafka} runs with a generated
 * server.properties. Topics are created on first use with 3 partitions. {@link #close} stops it by PID and removes its
 * data directory. It runs on the JDK that runs the tests, not the one under test: it is infrastructure.
 */
final class KafkaBroker implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    private static final String READY = "Kafka Server started";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path dir;
    private final Process process;
    private final Path logFile;
    private final int port;

    private KafkaBroker(Path dir, Process process, Path logFile, int port) {
        this.dir = dir;
        this.process = process;
        this.logFile = logFile;
        this.port = port;
    }

    /** Formats a new storage directory and starts the broker; returns once it logged that it started. */
    static KafkaBroker start() {
        List<Path> classPath = Artifacts.kafkaBrokerClassPath();
        int port = AgentJvm.freePort();
        int controllerPort = AgentJvm.freePort();
        int n = SEQUENCE.incrementAndGet();
        Path dir;
        try {
            dir = Files.createTempDirectory("graylane-kafka-");
            Files.writeString(dir.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=3",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "") , StandardCharsets.UTF_8);
            // INFO for the line that says it started, warnings for the rest
            Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
                    "appender.out.type=Console",
                    "appender.out.name=out",
                    "appender.out.layout.type=PatternLayout",
                    "appender.out.layout.pattern=[%d] %p %m (%c)%n",
                    "rootLogger.level=warn",
                    "rootLogger.appenderRef.out.ref=out",
                    "logger.started.name=kafka.server.KafkaRaftServer",
                    "logger.started.level=info",
                    ""), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String clusterId;
        do { // the storage tool would read an id that starts with '-' as an option (1 in 64), as Kafka's own ids never do
            clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(uuidBytes());
        } while (clusterId.startsWith("-"));
        Path formatLog = Artifacts.logDir().resolve("kafka-broker-" + n + "-format.log");
        Process format = launch(classPath, dir, formatLog, "kafka.tools.StorageTool", "format", "-t", clusterId,
                "-c", dir.resolve("server.properties").toString());
        try {
            if (!format.waitFor(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                ServerJvms.deleteQuietly(dir);
                fail("formatting the Kafka storage failed; its log:\n" + ServerJvms.read(formatLog));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Path logFile = Artifacts.logDir().resolve("kafka-broker-" + n + ".log");
        KafkaBroker broker = new KafkaBroker(dir, launch(classPath, dir, logFile, "kafka.Kafka",
                dir.resolve("server.properties").toString()), logFile, port);
        broker.awaitStarted();
        return broker;
    }

    private static byte[] uuidBytes() {
        UUID uuid = UUID.randomUUID();
        byte[] bytes = new byte[16];
        for (int i = 0; i < 8; i++) {
            bytes[i] = (byte) (uuid.getMostSignificantBits() >>> (56 - 8 * i));
            bytes[8 + i] = (byte) (uuid.getLeastSignificantBits() >>> (56 - 8 * i));
        }
        return bytes;
    }

    private void awaitStarted() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (!ServerJvms.read(logFile).contains(READY)) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                String log = ServerJvms.read(logFile);
                close();
                fail("the Kafka broker did not start within " + STARTUP_TIMEOUT + "; its log:\n" + log);
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException(e);
            }
        }
    }

    /** {@code 127.0.0.1:PORT}, for bootstrap.servers. */
    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    private static Process launch(List<Path> classPath, Path dir, Path logFile, String main, String... args) {
        return ServerJvms.launch(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties")), classPath, logFile,
                key -> key.startsWith("KAFKA_"), main, args);
    }

    @Override
    public void close() {
        ServerJvms.stop(process);
        ServerJvms.deleteQuietly(dir);
    }

    @Override
    public String toString() {
        return "Kafka broker (pid " + process.pid() + ", " + bootstrap() + ", log " + logFile + ")";
    }
}
