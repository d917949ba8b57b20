package io.graylane.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The JVMs of third-party servers the tests start (brokers, name servers): never with an agent, graylane's or any
 * other, their output in a log file, stopped and their files removed afterwards.
 */
final class ServerJvms {

    private ServerJvms() {
    }

    /**
     * Starts {@code main} on {@code classPath} with this JVM's java and {@code options}, output to {@code logFile};
     * the environment loses every variable that would hand it an agent or graylane settings, and those that
     * {@code alsoDrop} names (the server's own settings).
     */
    static Process launch(List<String> options, List<Path> classPath, Path logFile, Predicate<String> alsoDrop,
                          String main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classPath.stream().map(Path::toString).toList()));
        command.add(main);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("GRAYLANE_") || key.equals("JAVA_TOOL_OPTIONS")
                || key.equals("JDK_JAVA_OPTIONS") || key.equals("_JAVA_OPTIONS") || alsoDrop.test(key));
        try {
            Files.createDirectories(logFile.getParent());
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /** Asks the process to stop, then kills it if it is still there after 15 s. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The file's text, "" while it does not exist. */
    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left for the OS's temporary-file cleanup
        }
    }
}
