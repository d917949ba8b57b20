#!/usr/bin/env bash
# JMH micro-benchmarks of graylane's hot paths, with allocation per operation (-prof gc: gc.alloc.rate.norm):
#   InboundBenchmark.openClose          servlet hook per request: read headers, open the context, close it
#   OutboundBenchmark.headersToAdd      outbound hook per call: Traffic.outbound + trace-map look-ups + entries loop
#   TraceMapBenchmark.put / get         the traceId -> label map at its default size
#   CountingBenchmark.*                 the traffic counters' cost: inbound request + outbound call, counting on / off
#   TaskWrapBenchmark.wrapAndRun        ContextRunnable.wrap + run on one thread (graylane's part of a hand-off)
#   ThreadPoolBenchmark.submitAndRun    ThreadPoolExecutor submit + run of a trivial task, no agent
#   ThreadPoolWithAgentBenchmark.*      the same in a JVM started with -javaagent:agent/target/graylane-agent.jar
# Usage: bash it-tests/bench/jmh.sh [--smoke] [JMH options, e.g. Inbound -f 3 -i 10 | -h]
# Results: stdout, it-tests/target/bench/jmh/jmh.txt and jmh.json. Builds first when the jars are missing.
set -euo pipefail
cd "$(dirname "$0")/../.."  # the with-agent fork finds the agent jar relative to the repository root

jar=it-tests/bench/jmh/target/graylane-benchmarks.jar
if [[ ! -f $jar || ! -f agent/target/graylane-agent.jar ]]; then
  echo "[jmh] building: mvn -B -q -DskipTests package"
  MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -DskipTests package
fi
out=it-tests/target/bench/jmh
mkdir -p "$out"
options=(-prof gc -rf json -rff "$out/jmh.json")
if [[ ${1:-} == --smoke ]]; then
  shift
  options+=(-wi 1 -w 200ms -i 1 -r 200ms)  # does every benchmark run? (figures meaningless)
fi
java -jar "$jar" "${options[@]}" "$@" | tee "$out/jmh.txt"
