#!/usr/bin/env bash
# What the agent adds to start-up, measured on two JVMs, each without and with -javaagent:graylane-agent.jar,
# alternating (off on, on off, ...), RUNS times each; prints every run, then the medians and their difference.
#   front: the sample front (Jetty 12 + OkHttp), from launching its JVM to its first GET /call/okhttp answered 200:
#          a real request (inbound servlet, outbound OkHttp call to the backend, which runs once, without the agent),
#          polled every 10 ms over bash's /dev/tcp;
#   hello: wall time of a hello-world JVM, `java -cp DIR Hello`.
#
# Usage: it-tests/bench/startup.sh [RUNS]      (default 5)
#   JAVA=/path/to/java      another JVM (JAVAC likewise, for Hello)
#   AGENT_OPTS="-Dgraylane.instrumentation.servlet.enabled=false ..."   extra options for the runs with the agent
# Needs java and javac; builds the jars with Maven first when they are missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
JAVA=${JAVA:-java}
JAVAC=${JAVAC:-javac}
AGENT=agent/target/graylane-agent.jar
FRONT=sample-apps/target/graylane-front.jar
BACKEND=sample-apps/target/graylane-backend.jar
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS ASM_TRAFFIC_TAG

[[ -f $AGENT && -f $FRONT && -f $BACKEND ]] || mvn -B -q -DskipTests package || exit 1

TMP=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

now_us() { now=${EPOCHREALTIME//[.,]/}; }   # sets $now in microseconds, without forking

free_port() {   # sets $port to a loopback port nobody answers on, below the usual ephemeral range (32768-60999)
  while :; do
    port=$((15000 + RANDOM % 17000))
    (: <>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 0
  done
}

await_ok() {    # polls GET $2 on port $1 every 10 ms until 200 (sets $now then); fails after 60 s or if pid $3 exits
  local line deadline
  now_us; deadline=$((now + 60000000))
  while ((now < deadline)); do
    line=
    { printf 'GET %s HTTP/1.0\r\n\r\n' "$2" >&3; IFS= read -r -t 10 line <&3; } 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$1"
    [[ $line == "HTTP/1."?" 200"* ]] && { now_us; return 0; }
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.01
    now_us
  done
  return 1
}

# shellcheck disable=SC2206 # AGENT_OPTS is split into words on purpose
agent_args() { agent=(); if [[ $1 == on ]]; then agent=("-javaagent:$AGENT" ${AGENT_OPTS:-}); fi; }

front() {       # $1 = off|on; sets $ms
  agent_args "$1"; free_port
  now_us; local t0=$now
  "$JAVA" "${agent[@]}" -jar "$FRONT" "$port" "http://127.0.0.1:$BPORT" >"$TMP/front.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  if ! await_ok "$port" /call/okhttp "$pid"; then echo "the front did not answer:"; tail -20 "$TMP/front.log"; return 1; fi
  ms=$(((now - t0) / 1000))
  kill "$pid"; wait "$pid" 2>/dev/null
  return 0
}

hello() {       # $1 = off|on; sets $ms
  agent_args "$1"
  now_us; local t0=$now
  "$JAVA" "${agent[@]}" -cp "$TMP" Hello >/dev/null 2>&1 || { echo "Hello failed"; return 1; }
  now_us; ms=$(((now - t0) / 1000))
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

measure() {     # runs $1 RUNS times without and with the agent, alternating; prints each run, then the medians
  local i mode order off=() on=()
  for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then order="off on"; else order="on off"; fi
    for mode in $order; do
      "$1" "$mode" || exit 1
      printf '%-5s run %d  %-13s %6d ms\n' "$1" "$i" "$([[ $mode == on ]] && echo with agent || echo without agent)" "$ms"
      if [[ $mode == on ]]; then on+=("$ms"); else off+=("$ms"); fi
    done
  done
  local m_off m_on; m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}")
  SUMMARY+=("$(printf '%-5s median: without agent %6d ms, with agent %6d ms, difference %+5d ms (%+d%%)' \
    "$1" "$m_off" "$m_on" $((m_on - m_off)) $(((m_on - m_off) * 100 / m_off)))")
}

free_port; BPORT=$port
"$JAVA" -jar "$BACKEND" "$BPORT" >"$TMP/backend.log" 2>&1 &
PIDS+=($!)
await_ok "$BPORT" /health $! || { echo "the backend did not start:"; tail -20 "$TMP/backend.log"; exit 1; }
echo 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }' >"$TMP/Hello.java"
"$JAVAC" -d "$TMP" "$TMP/Hello.java" || exit 1

echo "$("$JAVA" -version 2>&1 | head -1); $(nproc) cores; agent $(($(wc -c <"$AGENT") / 1024)) KiB; $RUNS runs each"
echo "front: launch -> first 200 on GET /call/okhttp; hello: wall time of java -cp . Hello"
SUMMARY=()
measure front
measure hello
printf '%s\n' "${SUMMARY[@]}"
