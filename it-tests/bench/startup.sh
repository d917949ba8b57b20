#!/usr/bin/env bash
# What the agent adds to start-up, measured on three JVMs, each without and with -javaagent:graylane-agent.jar,
# alternating (off on, on off, ...), RUNS times each; prints every run, then the medians and their difference,
# for the wall time, the CPU time (user + system, all of the JVM's threads, in 10 ms ticks) and the classes loaded.
#   front: the sample front (Jetty 12 + OkHttp), from launching its JVM to its first GET /call/okhttp answered 200:
#          a real request (inbound servlet, outbound OkHttp call to the backend, which runs once, without the agent),
#          polled every 10 ms over bash's /dev/tcp;
#          CPU time and classes loaded (jcmd PerfCounter.print) are read at that moment, before the JVM is stopped;
#          the CPU time is also split by thread: the JIT's compiler threads (C1/C2 CompilerThread), the garbage
#          collector's, the VM thread (safepoint operations: class retransformation, deoptimization), and the rest
#          (the application's threads and graylane's; threads that ended before count here too);
#   spring: the Spring Boot 4 MVC sample (sample-apps/spring-boot, embedded Tomcat 11, its fat jar's nested class
#          loader), from launching its JVM to its first GET /call/jdk answered 200 (RestClient on the JDK's HttpClient
#          to the backend), measured like the front;
#   hello: wall time of a hello-world JVM, `java -cp DIR Hello`, its CPU time, and the classes it loaded
#          (-Xlog:class+load, in one extra run each way after the timed ones).
#
# Usage: it-tests/bench/startup.sh [RUNS]      (default 5)
#   JAVA=/path/to/java      another JVM (JAVAC likewise, for Hello)
#   AGENT=/path/to/graylane-agent.jar   another build of the agent (to compare two builds with the same runs)
#   AGENT_OPTS="-Dgraylane.instrumentation.servlet.enabled=false ..."   extra options for the runs with the agent
#   CLASS_CACHE=1           the runs with the agent use graylane's class cache (graylane.cache.dir, a new directory),
#                           filled by one untimed start of each service with the agent before its timed runs
# Needs java and javac; builds the jars with Maven first when they are missing.
set -uo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
JAVA=${JAVA:-java}
JAVAC=${JAVAC:-javac}
AGENT=${AGENT:-agent/target/graylane-agent.jar}
FRONT=sample-apps/target/graylane-front.jar
BACKEND=sample-apps/target/graylane-backend.jar
SPRING=sample-apps/spring-boot/target/graylane-spring-boot.jar
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS ASM_TRAFFIC_TAG

[[ -f $AGENT && -f $FRONT && -f $BACKEND && -f $SPRING ]] || MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -DskipTests package || exit 1

TMP=$(mktemp -d)
[[ ${CLASS_CACHE:-} == 1 ]] && AGENT_OPTS="${AGENT_OPTS:-} -Dgraylane.cache.dir=$TMP/class-cache"
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

cpu_of() {      # sets $cpu to the CPU time in ms (utime + stime) that process $1 has used so far
  local stat; stat=$(<"/proc/$1/stat"); stat=${stat##*) }
  local f=($stat); cpu=$(((f[11] + f[12]) * 1000 / TICKS))
}

split_of() {    # sets $jit, $gc and $vm to the CPU time in ms that process $1's compiler, GC and VM threads used so far
  local task stat name f
  jit=0; gc=0; vm=0
  for task in /proc/"$1"/task/*; do
    stat=$(<"$task/stat") 2>/dev/null || continue
    name=${stat#*(}; name=${name%)*}; stat=${stat##*) }
    f=($stat)
    case $name in
      C1\ Compiler*|C2\ Compiler*) jit=$((jit + f[11] + f[12])) ;;
      GC\ Thread*|G1\ *) gc=$((gc + f[11] + f[12])) ;;
      VM\ Thread) vm=$((vm + f[11] + f[12])) ;;
    esac
  done
  jit=$((jit * 1000 / TICKS)); gc=$((gc * 1000 / TICKS)); vm=$((vm * 1000 / TICKS))
}

children_cpu() { # sets $cpu to the CPU time in ms that this shell's finished children have used so far
  times >"$TMP/times"     # not in a subshell: that one has no children
  cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); s += p[1] * 60 + p[2] } printf "%d", s * 1000 + 0.5 }' "$TMP/times")
}

service() {     # NAME PATH off|on COMMAND...: launches COMMAND (PORT in it is replaced by a free port), waits for a 200 on PATH; sets $ms, $cpu, $jit, $gc, $vm and $classes
  local name=$1 path=$2 arg command=()
  agent_args "$3"; free_port; shift 3
  for arg in "$@"; do command+=("${arg//PORT/$port}"); done
  now_us; local t0=$now
  "$JAVA" "${agent[@]}" "${command[@]}" >"$TMP/$name.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  if ! await_ok "$port" "$path" "$pid"; then echo "$name did not answer:"; tail -20 "$TMP/$name.log"; return 1; fi
  ms=$(((now - t0) / 1000))
  cpu_of "$pid"
  split_of "$pid"
  classes=$(jcmd "$pid" PerfCounter.print 2>/dev/null | awk -F= '/^java.cls.loadedClasses=/ {l = $2} /^java.cls.sharedLoadedClasses=/ {s = $2} END {print l + s}')
  kill "$pid"; wait "$pid" 2>/dev/null
  return 0
}

front() { service front /call/okhttp "$1" -jar "$FRONT" PORT "http://127.0.0.1:$BPORT"; }

spring() { service spring /call/jdk "$1" "-Dbackend.url=http://127.0.0.1:$BPORT" -jar "$SPRING" --server.port=PORT --server.address=127.0.0.1; }

hello() {       # $1 = off|on; sets $ms, $cpu and $classes (not split by thread: $jit, $gc and $vm are empty)
  agent_args "$1"
  children_cpu; local c0=$cpu
  now_us; local t0=$now
  "$JAVA" "${agent[@]}" -cp "$TMP" Hello >/dev/null 2>&1 || { echo "Hello failed"; return 1; }
  now_us; ms=$(((now - t0) / 1000))
  children_cpu; cpu=$((cpu - c0))
  jit=; gc=; vm=
  classes=${HELLO_CLASSES[$1]}
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

spread() {      # OFF... -- ON...: "[+MIN .. +MAX] ms", the range of the differences of the runs paired in order (run i with run i)
  local off=() on i
  while [[ $1 != -- ]]; do off+=("$1"); shift; done; shift
  on=("$@")
  for ((i = 0; i < ${#off[@]}; i++)); do echo $((on[i] - off[i])); done | sort -n \
    | awk 'NR == 1 {min = $1} {max = $1} END {printf "[%+d .. %+d] ms", min, max}'
}

measure() {     # runs $1 RUNS times without and with the agent, alternating; prints each run, then the medians
  local i mode order line key on off
  local -A runs=()     # "mode figure" -> the runs' values, space-separated
  local -A part=([jit]='JIT compiler threads:' [gc]='GC threads:' [vm]='the VM thread:' [rest]='the rest:')
  if [[ ${CLASS_CACHE:-} == 1 ]]; then "$1" on || exit 1; fi   # fills the class cache; not timed
  for ((i = 1; i <= RUNS; i++)); do
    if ((i % 2)); then order="off on"; else order="on off"; fi
    for mode in $order; do
      "$1" "$mode" || exit 1
      line=$(printf '%-6s run %d  %-13s %6d ms, CPU %6d ms, %5s classes' "$1" "$i" \
        "$([[ $mode == on ]] && echo with agent || echo without agent)" "$ms" "$cpu" "$classes")
      runs[$mode ms]+="$ms "; runs[$mode cpu]+="$cpu "; runs[$mode classes]+="$classes "
      if [[ -n $jit ]]; then
        line+=$(printf ' (CPU of JIT %d, GC %d, VM thread %d, the rest %d)' "$jit" "$gc" "$vm" $((cpu - jit - gc - vm)))
        runs[$mode jit]+="$jit "; runs[$mode gc]+="$gc "; runs[$mode vm]+="$vm "; runs[$mode rest]+="$((cpu - jit - gc - vm)) "
      fi
      echo "$line"
    done
  done
  # shellcheck disable=SC2086 # the values are split into words on purpose
  for key in ms cpu classes jit gc vm rest; do
    [[ -n ${runs[on $key]:-} ]] || continue
    off=$(median ${runs[off $key]}); on=$(median ${runs[on $key]})
    case $key in
      ms) SUMMARY+=("$(printf '%-6s median: without agent %6d ms, with agent %6d ms, difference %+5d ms (%+d%%), run by run %s' \
            "$1" "$off" "$on" $((on - off)) $(((on - off) * 100 / off)) "$(spread ${runs[off ms]} -- ${runs[on ms]})")") ;;
      cpu) SUMMARY+=("$(printf '%-6s median CPU: without agent %6d ms, with agent %6d ms, difference %+5d ms' \
            "$1" "$off" "$on" $((on - off)))") ;;
      classes) SUMMARY+=("$(printf '%-6s classes loaded: without agent %6d, with agent %6d, difference %+5d' \
            "$1" "$off" "$on" $((on - off)))") ;;
      *) SUMMARY+=("$(printf '%-6s   of it, %-23s without agent %6d ms, with agent %6d ms, difference %+5d ms' \
            "$1" "${part[$key]}" "$off" "$on" $((on - off)))") ;;
    esac
  done
}

free_port; BPORT=$port
"$JAVA" -jar "$BACKEND" "$BPORT" >"$TMP/backend.log" 2>&1 &
PIDS+=($!)
await_ok "$BPORT" /health $! || { echo "the backend did not start:"; tail -20 "$TMP/backend.log"; exit 1; }
echo 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }' >"$TMP/Hello.java"
"$JAVAC" -d "$TMP" "$TMP/Hello.java" || exit 1
TICKS=$(getconf CLK_TCK)
declare -A HELLO_CLASSES
for mode in off on; do     # not timed: the log costs time
  agent_args "$mode"
  HELLO_CLASSES[$mode]=$("$JAVA" "${agent[@]}" -Xlog:class+load:file="$TMP/classes.log" -cp "$TMP" Hello >/dev/null 2>&1 \
    && grep -c "source:" "$TMP/classes.log")
done

echo "$("$JAVA" -version 2>&1 | head -1); $(nproc) cores; agent $(($(wc -c <"$AGENT") / 1024)) KiB; $RUNS runs each"
echo "front: launch -> first 200 on GET /call/okhttp; spring: launch -> first 200 on GET /call/jdk; hello: wall time of java -cp . Hello"
SUMMARY=()
measure front
measure spring
measure hello
printf '%s\n' "${SUMMARY[@]}"
