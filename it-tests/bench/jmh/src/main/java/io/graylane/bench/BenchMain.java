package io.graylane.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * JMH's own main, after checking that the agent jar the with-agent benchmarks attach is where their
 * {@code @Fork} expects it (relative to the working directory: the repository root).
 */
public final class BenchMain {

    static final String AGENT_JAR = "agent/target/graylane-agent.jar";

    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (!Files.isRegularFile(Path.of(AGENT_JAR))) {
            System.err.println("graylane benchmarks: " + Path.of(AGENT_JAR).toAbsolutePath() + " not found. Run from the"
                    + " repository root after `mvn -B -DskipTests package` (bash it-tests/bench/jmh.sh does both).");
            System.exit(2);
        }
        org.openjdk.jmh.Main.main(args);
    }
}
