package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A RocketMQ name server and a single broker (5.x, which serves 4.9 and 5.x remoting clients), each in its own JVM
 * without the agent, from the class path that sample-apps/rocketmq-broker copies to
 * sample-apps/target/rocketmq-broker-lib. Both bind 127.0.0.1 on free ports (the broker also uses its port - 2 for
 * its fast channel and + 1 for HA, checked free too); the store (16 MB commit log files), config and the brokers' own
 * log files live in one temporary directory. The topics given to {@link #start} are created once the broker is up (4
 * queues each, by sample-apps/rocketmq-broker/CreateTopics.java, which returns once the name server routes them all,
 * so clients started next never meet a missing route); subscription groups are created on first use.
 * {@link #close} stops both by PID and removes the directory. They run on the JDK that runs the tests: infrastructure.
 */
final class RocketMqBroker implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final int namesrvPort;

    private RocketMqBroker(Path dir, int namesrvPort) {
        this.dir = dir;
        this.namesrvPort = namesrvPort;
    }

    /** Starts the name server, then the broker with these topics; returns once the broker said it booted. */
    static RocketMqBroker start(String... topics) {
        List<Path> classPath = Artifacts.rocketMqBrokerClassPath();
        int n = SEQUENCE.incrementAndGet();
        int namesrvPort = AgentJvm.freePort();
        int brokerPort = brokerPort();
        Path dir;
        try {
            dir = Files.createTempDirectory("graylane-rocketmq-");
            Files.writeString(dir.resolve("namesrv.conf"), String.join("\n",
                    "listenPort=" + namesrvPort,
                    "bindAddress=127.0.0.1",
                    ""), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("broker.conf"), String.join("\n",
                    "brokerClusterName=graylane",
                    "brokerName=broker-a",
                    "brokerId=0",
                    "brokerIP1=127.0.0.1",
                    "bindAddress=127.0.0.1",
                    "listenPort=" + brokerPort,
                    "haListenPort=" + (brokerPort + 1),
                    "namesrvAddr=127.0.0.1:" + namesrvPort,
                    "storePathRootDir=" + dir.resolve("store"),
                    "storePathCommitLog=" + dir.resolve("store").resolve("commitlog"),
                    "autoCreateTopicEnable=true",
                    "autoCreateSubscriptionGroup=true",
                    "defaultTopicQueueNums=4",
                    "mappedFileSizeCommitLog=16777216",
                    "mappedFileSizeConsumeQueue=120000",
                    "flushDiskType=ASYNC_FLUSH",
                    "timerWheelEnable=false",
                    ""), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RocketMqBroker broker = new RocketMqBroker(dir, namesrvPort);
        try {
            Path namesrvLog = Artifacts.logDir().resolve("rocketmq-namesrv-" + n + ".log");
            broker.processes.add(launch(classPath, dir, namesrvLog, "org.apache.rocketmq.namesrv.NamesrvStartup",
                    "-c", dir.resolve("namesrv.conf").toString()));
            broker.await(namesrvLog, "The Name Server boot success", "the RocketMQ name server");
            Path brokerLog = Artifacts.logDir().resolve("rocketmq-broker-" + n + ".log");
            broker.processes.add(launch(classPath, dir, brokerLog, "org.apache.rocketmq.broker.BrokerStartup",
                    "-c", dir.resolve("broker.conf").toString()));
            broker.await(brokerLog, "boot success", "the RocketMQ broker");
            if (topics.length > 0) {
                createTopics(classPath, dir, n, "127.0.0.1:" + namesrvPort, "127.0.0.1:" + brokerPort, topics);
            }
        } catch (RuntimeException | Error e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    private static void createTopics(List<Path> classPath, Path dir, int n, String namesrv, String brokerAddress,
                                     String... topics) {
        Path source = Path.of(System.getProperty("graylane.rocketmq.create-topics",
                "../sample-apps/rocketmq-broker/CreateTopics.java")).toAbsolutePath().normalize();
        List<String> args = new ArrayList<>(List.of(namesrv, brokerAddress));
        args.addAll(List.of(topics));
        Path log = Artifacts.logDir().resolve("rocketmq-create-topics-" + n + ".log");
        Process process = launch(classPath, dir, log, source.toString(), args.toArray(new String[0]));
        try {
            if (!process.waitFor(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                fail("creating the topics " + List.of(topics) + " failed; the log:\n" + tail(ServerJvms.read(log)));
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A free loopback port whose - 2 (fast channel) and + 1 (HA) are free too. */
    private static int brokerPort() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = AgentJvm.freePort();
            if (port > 1026 && port < 65535 && bindable(port - 2) && bindable(port + 1)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port for the RocketMQ broker");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void await(Path logFile, String ready, String what) {
        Process process = processes.get(processes.size() - 1);
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (!ServerJvms.read(logFile).contains(ready)) {
            if (!process.isAlive() || System.nanoTime() - deadline > 0) {
                fail(what + " did not start within " + STARTUP_TIMEOUT + "; its log:\n" + tail(ServerJvms.read(logFile)));
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** {@code 127.0.0.1:PORT} of the name server, for setNamesrvAddr. */
    String namesrv() {
        return "127.0.0.1:" + namesrvPort;
    }

    private static Process launch(List<Path> classPath, Path dir, Path logFile, String main, String... args) {
        // user.home: the servers' own log files go to ~/logs/rocketmqlogs
        return ServerJvms.launch(List.of("-Xmx256m", "-XX:MaxDirectMemorySize=128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Drocketmq.home.dir=" + dir, "-Duser.home=" + dir), classPath, logFile,
                key -> key.startsWith("ROCKETMQ_") || key.equals("NAMESRV_ADDR"), main, args);
    }

    @Override
    public void close() {
        for (int i = processes.size() - 1; i >= 0; i--) ServerJvms.stop(processes.get(i));
        ServerJvms.deleteQuietly(dir);
    }

    @Override
    public String toString() {
        return "RocketMQ name server " + namesrv() + " and broker (pids "
                + processes.stream().map(p -> Long.toString(p.pid())).toList() + ")";
    }

    private static String tail(String log) {
        return log.length() > 20_000 ? log.substring(log.length() - 20_000) : log;
    }
}
