package io.graylane.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for one test: {@code initdb} in a temporary directory, {@code pg_ctl start} on a free
 * loopback port, {@code pg_ctl stop} and the directory removed at {@link #close}. The server refuses to run as root,
 * so as root (CI) it runs as {@code nobody} through {@code runuser}. The binaries come from the Debian package
 * {@code postgresql} (/usr/lib/postgresql/VERSION/bin; .ci/run installs it); a machine without them fails the test
 * with that message, it never skips.
 */
final class Postgres implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final String USER = "graylane";
    static final String DATABASE = "postgres";

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asNobody;

    private Postgres(Path bin, Path dir, int port, boolean asNobody) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asNobody = asNobody;
    }

    static Postgres start() throws Exception {
        Path bin = binaries();
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("graylane-pg-");
        Path data = dir.resolve("data");
        if (root) {
            run(List.of("chown", "nobody", dir.toString()), Duration.ofSeconds(10));
        }
        int port = AgentJvm.freePort();
        Postgres pg = new Postgres(bin, dir, port, root);
        pg.asUser(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust",
                "--no-sync", "-E", "UTF8", "--locale=C"), Duration.ofSeconds(120));
        pg.asUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", Long.toString(START_TIMEOUT.toSeconds()), "-o",
                "-p " + port + " -h 127.0.0.1 -k " + dir + " -c fsync=off", "start"), START_TIMEOUT.plusSeconds(10));
        return pg;
    }

    /** The JDBC URL (user in it: the front takes URLs only). */
    String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE + "?user=" + USER;
    }

    Connection connect() throws Exception {
        return DriverManager.getConnection(url());
    }

    @Override
    public void close() throws IOException {
        try {
            asUser(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w",
                    "stop"), Duration.ofSeconds(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted stopping PostgreSQL", e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot stop PostgreSQL", e);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void asUser(List<String> command, Duration timeout) throws Exception {
        List<String> full = new ArrayList<>();
        if (asNobody) {
            full.addAll(List.of("runuser", "-u", "nobody", "--"));
        }
        full.addAll(command);
        run(full, timeout);
    }

    private static void run(List<String> command, Duration timeout) throws Exception {
        Path output = Files.createTempFile("graylane-pg-command-", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail("timed out after " + timeout + ": " + String.join(" ", command) + "\n" + Files.readString(output));
            }
            if (process.exitValue() != 0) {
                fail("exit code " + process.exitValue() + ": " + String.join(" ", command) + "\n" + Files.readString(output));
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static int major(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Path binaries() throws IOException {
        Path root = Paths.get("/usr/lib/postgresql");
        if (Files.isDirectory(root)) {
            try (Stream<Path> versions = Files.list(root)) {
                Path newest = versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                        .max(Comparator.comparingInt(Postgres::major)).orElse(null);
                if (newest != null) {
                    return newest.resolve("bin");
                }
            }
        }
        fail("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (Debian package postgresql; .ci/run "
                + "installs it)");
        return null;
    }
}
