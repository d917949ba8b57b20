package io.graylane.bench;

import org.openjdk.jmh.annotations.Fork;

/**
 * {@link ThreadPoolBenchmark} in a JVM started with the graylane agent. The path is relative to the working
 * directory, so run JMH from the repository root, after the build ({@code bash it-tests/bench/jmh.sh} does both).
 */
@Fork(value = 1, jvmArgsAppend = "-javaagent:" + BenchMain.AGENT_JAR)
public class ThreadPoolWithAgentBenchmark extends ThreadPoolBenchmark {

    @Override
    boolean expectsAgent() {
        return true;
    }
}
