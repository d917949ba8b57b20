#!/usr/bin/env bash
# Overhead benchmark of a two-hop chain, one of
#     servlet (default)  wrk -> front (Jetty 12, /call/okhttp) -> OkHttp 5 -> backend (Tomcat 9, /echo)
#     webflux            wrk -> webflux (Spring WebFlux on Reactor Netty, /echo?pattern=direct&client=webclient)
#                           -> WebClient -> backend (Tomcat 9, /echo)
# each service its own JVM on 127.0.0.1, started once per configuration and round:
#     none                    no agent
#     manual                  no agent; the samples forward label and trace headers by hand (-Dsamples.manual-propagation:
#                             a servlet filter keeps them in a ThreadLocal, an OkHttp interceptor adds them; in the
#                             WebFlux sample a WebFilter puts them into the Reactor context, a WebClient filter adds
#                             them), the floor graylane is judged against
#     headers                 no agent; the samples' client adds three fixed headers (label, x-request-id, traceparent)
#                             to every outbound call and reads nothing (-Dsamples.constant-headers): what sending
#                             them costs, however their values are found
#     graylane                the graylane agent (defaults, local lane "base")
#     graylane-b              graylane from another agent jar (--agent-b) and/or with more options (--opts-b), to
#                             judge a change or a setting within one run
#     graylane-cached         graylane with its class cache (graylane.cache.dir, filled by one untimed start of front
#                             and backend before the rounds): the start of a service that started before
#     graylane-mirror-sink    graylane mirroring every request to a sink         (only where mirroring works)
#     graylane-b-mirror-sink  the same with the agent jar of graylane-b (--agent-b), to judge a mirror change
#     graylane-mirror-compare graylane mirroring every request to a sink and comparing the answers (graylane.mirror.compare,
#                             the sink also the secondary, answering JSON)  (only where mirroring works)
#     graylane-mirror-absent  graylane mirroring to a port where nothing listens (only where mirroring works)
#     otel                    the OpenTelemetry Java agent, exporters off, W3C tracecontext + baggage
#     otel+extension          OpenTelemetry with graylane's extension propagator  (only once the extension has one)
#     CONFIG@N                CONFIG again, under its own name: `--configs none,none@2` measures the A-A spread
# Front and backend get the same agent settings; nothing else differs. Configurations are interleaved over the
# rounds (the order rotates each round). Per configuration and round: requests/s and p50/p90/p99 latency (wrk),
# JVM start to first answered request (and the CPU time spent until then), peak RSS (VmHWM) of each JVM, CPU time
# per request (utime+stime over the measured window), the part of it spent by the JIT compiler threads and, when
# mirroring to the sink, by graylane's mirror senders, and the front's GC pauses per request. Also the start time of a
# hello-world JVM with and without each agent.
# Tables (median over rounds, min-max, ratio to none) go to stdout and it-tests/target/bench/results.md
# (results-webflux.md for the webflux chain).
#
# Usage: bash it-tests/bench/run.sh [options]
#   --chain NAME        servlet (default) or webflux: which front is measured
#   --calls N           servlet chain: the front calls the backend N times per request (/call/okhttp?calls=N), so
#                       the agents' work is a larger share of the request (default 1)
#   --rounds N          rounds, each runs every configuration once (default 3)
#   --duration S        measured seconds per configuration and round (default 30)
#   --warmup S          warm-up seconds before each measurement, same load, discarded (default 40: on 2 cores the
#                       JIT still compiles Jetty and OkHttp code 20 s into the load; the pinned WebFlux front needs 90,
#                       see the front's JIT share in the results); run as wrk runs of at most 10 s, so that the code
#                       that closes and opens connections between two wrk runs is compiled before the measured one
#   --interleave S      all configurations of a round run at once, and are measured in turn, S seconds each (the
#                       order rotated each turn), until each has had --duration seconds; each figure of a round is
#                       the median of its windows (mirror copies: their sum). A slow minute of the machine then falls
#                       on every configuration alike instead of on the one that ran in it (default 0: one after the
#                       other, each measured once for --duration seconds)
#   --connections C     concurrent wrk connections (default 16)
#   --wrk-threads T     wrk threads (default 1: the machine is shared with the two JVMs under test)
#   --start-runs N      hello-world start runs per configuration (default 10)
#   --configs LIST      comma-separated subset of the configurations above (default: all)
#   --jvm-opts "OPTS"   JVM options of front and backend (default "-Xms512m -Xmx512m")
#   --java PATH         java launcher for the services (default: $JAVA_HOME/bin/java, else java)
#   --agent-b JAR       the agent jar of configuration graylane-b (for example one built from the commit before a
#                       change: git worktree add ../before HEAD~1 && mvn -B -q -f ../before -DskipTests package)
#   --pin               pin the front to CPU 0 and everything else (backend, sink, wrk) to CPU 1 (taskset), so the
#                       front's CPU per request is not shared with the load generator or the backend
#   --build             rebuild (mvn -B -q -DskipTests package) even if the jars exist
#   --note TEXT         a line printed at the top of the results (e.g. "preliminary, noisy machine")
#   --smoke             1 round, 2 s warm-up, 3 s measured, 1 start run (later options still apply); every
#                       available configuration must serve and forward what it should, else it fails (for CI)
# Needs: Linux (/proc), JDK 17+, Maven, wrk (installed with apt-get when missing and allowed).
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=3 duration=30 warmup=40 interleave=0 connections=16 wrk_threads=1 start_runs=10
configs=none,manual,graylane,graylane-cached,graylane-mirror-sink,graylane-mirror-compare,graylane-mirror-absent,otel,otel+extension
jvm_opts="-Xms512m -Xmx512m"
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
build=false note="" chain=servlet pin=false calls=1 agent_b="" opts_b=""
while (($#)); do
  case $1 in
    --rounds) rounds=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --interleave) interleave=$2; shift ;;
    --connections) connections=$2; shift ;;
    --wrk-threads) wrk_threads=$2; shift ;;
    --start-runs) start_runs=$2; shift ;;
    --configs) configs=$2; shift ;;
    --chain) chain=$2; shift ;;
    --calls) calls=$2; shift ;;
    --jvm-opts) jvm_opts=$2; shift ;;
    --java) java_bin=$2; shift ;;
    --agent-b) agent_b=$(realpath "$2"); shift ;;
    --opts-b) opts_b=$2; shift ;;
    --build) build=true ;;
    --pin) pin=true ;;
    --note) note=$2; shift ;;
    --smoke) rounds=1 duration=3 warmup=2 start_runs=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
[[ $interleave =~ ^[0-9]+$ ]] || { echo "run.sh: --interleave $interleave: expected whole seconds (0: no interleaving)" >&2; exit 2; }

out=it-tests/target/bench
name=bench
case $chain in
  servlet) front_path=/call/okhttp suffix=""
           if [[ $calls != 1 ]]; then front_path="/call/okhttp?calls=$calls" suffix=-calls$calls; fi ;;
  webflux) front_path="/echo?pattern=direct&client=webclient" suffix=-webflux
           front_jar=$PWD/sample-apps/target/graylane-webflux.jar ;;  # lib.sh keeps it
  *) echo "run.sh: unknown chain $chain (servlet or webflux)" >&2; exit 2 ;;
esac
# shellcheck source=it-tests/bench/lib.sh
source it-tests/bench/lib.sh
results=$out/results$suffix.tsv
meta=$out/meta$suffix.md
extension=$root/extensions/target/graylane-otel-extension.jar
read -r -a service_opts <<<"$jvm_opts"
windows=$(( interleave > 0 ? (duration + interleave - 1) / interleave : 1 ))  # measured windows per configuration and round
read -r -a b_opts <<<"$opts_b"

has() { [[ ",$configs," == *",$1,"* || ",$configs," == *",$1@"* ]]; }  # CONFIG or one of its CONFIG@N
drop() {  # CONFIG and its CONFIG@N
  local c kept=()
  IFS=, read -r -a all <<<"$configs"
  for c in "${all[@]}"; do [[ ${c%@*} == "$1" ]] || kept+=("$c"); done
  configs=$(IFS=,; echo "${kept[*]}")
}

otel_version=$(sed -n 's:.*<otel.javaagent.version>\(.*\)</otel.javaagent.version>.*:\1:p' pom.xml)
otel_jar=$root/$out/agents/opentelemetry-javaagent-$otel_version.jar
if { has otel || has otel+extension; } && [[ ! -f $otel_jar ]]; then
  log "fetching the OpenTelemetry Java agent $otel_version with Maven"
  MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -N dependency:copy -Dartifact="io.opentelemetry.javaagent:opentelemetry-javaagent:$otel_version" \
    -DoutputDirectory="$out/agents"
  [[ -f $otel_jar ]] || die "the OpenTelemetry agent was not fetched to $otel_jar"
fi
otel_opts=(-Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none)

# ---- services ----------------------------------------------------------------------------------

start_sink() {  # NAME [--json]; sets sink_port and sink_pid
  sink_port=$(free_port)
  launch "$1" "http://127.0.0.1:$sink_port/__bench/count" -- "${pin_rest[@]}" "${tool[@]}" sink --port "$sink_port" "${@:2}"
  sink_pid=$svc_pid
}
sink_count() { "${tool[@]}" get "http://127.0.0.1:$sink_port/__bench/count"; }

# agent_args CONFIG: sets the array args to that configuration's JVM options
agent_args() {
  case ${1%@*} in
    none) args=() ;;
    manual) args=(-Dsamples.manual-propagation=true) ;;
    headers) args=(-Dsamples.constant-headers=true) ;;
    graylane) args=("-javaagent:$agent") ;;
    graylane-b) args=("-javaagent:$agent_b" "${b_opts[@]}") ;;
    graylane-cached) args=("-javaagent:$agent" "-Dgraylane.cache.dir=$class_cache") ;;
    graylane-mirror-sink) args=("-javaagent:$agent" -Dgraylane.mirror.enabled=true
                                "-Dgraylane.mirror.target=http://127.0.0.1:$sink_port") ;;
    graylane-b-mirror-sink) args=("-javaagent:$agent_b" "${b_opts[@]}" -Dgraylane.mirror.enabled=true
                                  "-Dgraylane.mirror.target=http://127.0.0.1:$sink_port") ;;
    graylane-mirror-compare) args=("-javaagent:$agent" -Dgraylane.mirror.enabled=true
                                   "-Dgraylane.mirror.target=http://127.0.0.1:$sink_port" -Dgraylane.mirror.compare=true
                                   "-Dgraylane.mirror.secondary=http://127.0.0.1:$sink_port") ;;
    graylane-mirror-absent) args=("-javaagent:$agent" -Dgraylane.mirror.enabled=true
                                  "-Dgraylane.mirror.target=http://127.0.0.1:$absent_port") ;;
    otel) args=("-javaagent:$otel_jar" "${otel_opts[@]}" -Dotel.propagators=tracecontext,baggage) ;;
    otel+extension) args=("-javaagent:$otel_jar" "${otel_opts[@]}" "-Dotel.javaagent.extensions=$extension"
                          -Dotel.propagators=tracecontext,baggage,graylane) ;;
    *) die "unknown configuration $1" ;;
  esac
}

cpu_ticks() { local f; read -r -a f <"/proc/$1/stat"; echo $((f[13] + f[14])); }  # utime + stime
# gc_pause_ms PID: the pause time of its young and full collections so far, or nothing when jstat cannot tell (jstat
# reads the JVM's performance-data file: nothing attaches to the JVM, nothing runs in it)
gc_pause_ms() {
  "${pin_rest[@]}" "$jstat_bin" -gc "$1" 2>/dev/null \
    | awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } NR == 2 && h["YGCT"] && h["FGCT"] { printf "%.3f", ($h["YGCT"] + $h["FGCT"]) * 1000 }' \
    || true
}
# thread_ticks PID PATTERN: "TID:TICKS ..." of its threads whose name (the kernel keeps 15 characters) matches the
# glob PATTERN: the JIT compiler threads ("C[12] CompilerThre*", HotSpot's "C1 CompilerThread0" ...) or graylane's
# mirror senders ("graylane-mirror*")
thread_ticks() {
  local t comm f out=""
  for t in /proc/"$1"/task/*; do
    # read, not $(<FILE 2>/dev/null): with a second redirection that is no longer bash's file read and yields nothing
    IFS= read -r comm <"$t/comm" 2>/dev/null || continue
    # shellcheck disable=SC2053 # the pattern is a glob on purpose
    [[ $comm == $2 ]] || continue
    IFS= read -r f <"$t/stat" 2>/dev/null || continue
    f=${f##*) }; read -r -a f <<<"$f"
    out+="${t##*/}:$((f[11] + f[12])) "
  done
  echo "$out"
}
jit_ticks() { thread_ticks "$1" "C[12] CompilerThre*"; }
mirror_ticks() { thread_ticks "$1" "graylane-mirror*"; }
# ticks_delta BEFORE AFTER: the ticks the threads alive at both times used in between (a thread started or stopped in
# between is not counted: HotSpot starts and stops C1/C2 threads as the queue grows and empties; a mirror sender
# started in between (only while copies back up) is missed)
ticks_delta() {
  local a b sum=0
  for b in $2; do
    for a in $1; do
      [[ ${a%%:*} == "${b%%:*}" ]] && sum=$((sum + ${b##*:} - ${a##*:}))
    done
  done
  echo "$sum"
}
pin_front=() pin_rest=()
if $pin; then
  (($(nproc) >= 2)) || die "--pin needs 2 CPUs"
  command -v taskset >/dev/null 2>&1 || die "--pin needs taskset (util-linux)"
  pin_front=(taskset -c 0) pin_rest=(taskset -c 1)
fi
peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; }  # round config metric value (a window: see keep)
clk_tck=$(getconf CLK_TCK)

# ---- which configurations can run --------------------------------------------------------------

# mirroring is measured only where graylane.mirror.enabled=true really copies requests
if has graylane-mirror-sink || has graylane-b-mirror-sink || has graylane-mirror-compare || has graylane-mirror-absent; then
  start_sink probe-sink
  port=$(free_port)
  launch probe-front "http://127.0.0.1:$port/health" -- "${clean_env[@]}" "$java_bin" "${service_opts[@]}" \
    "-javaagent:$agent" -Dgraylane.mirror.enabled=true "-Dgraylane.mirror.target=http://127.0.0.1:$sink_port" \
    -jar "$front_jar" "$port" http://127.0.0.1:9
  for _ in 1 2 3; do "${tool[@]}" get "http://127.0.0.1:$port/health" >/dev/null; done
  copies=0
  for _ in $(seq 1 15); do
    copies=$(sink_count)
    [[ $copies -gt 0 ]] && break
    sleep 0.2
  done
  stop_services
  if [[ $copies -eq 0 ]]; then
    log "skipped: mirroring not available (with graylane.mirror.enabled=true no request reached the mirror target);" \
        "graylane-mirror-sink, graylane-b-mirror-sink, graylane-mirror-compare and graylane-mirror-absent are not measured"
    drop graylane-mirror-sink
    drop graylane-b-mirror-sink
    drop graylane-mirror-compare
    drop graylane-mirror-absent
  fi
fi
# the class cache is filled by one start of each service (written as they stop), as a service's first start would
class_cache=$PWD/$out/class-cache
rm -rf "$class_cache"
if has graylane-cached; then
  agent_args graylane-cached
  port=$(free_port)
  launch cache-backend "http://127.0.0.1:$port/health" -- "${clean_env[@]}" "$java_bin" "${service_opts[@]}" "${args[@]}" \
    -jar "$backend_jar" "$port"
  bport=$port port=$(free_port)
  launch cache-front "http://127.0.0.1:$port$front_path" -- "${clean_env[@]}" "$java_bin" "${service_opts[@]}" "${args[@]}" \
    -jar "$front_jar" "$port" "http://127.0.0.1:$bport"
  stop_services
  [[ -n $(ls "$class_cache" 2>/dev/null) ]] || die "graylane-cached: the first start wrote no class cache in $class_cache"
fi
if { has graylane-b || has graylane-b-mirror-sink; }; then
  [[ -n $agent_b ]] || agent_b=$agent
  [[ -f $agent_b ]] || die "--agent-b $agent_b: not an agent jar that exists"
fi
if has otel+extension && ! "${tool[@]}" jar-has "$extension" \
    META-INF/services/io.opentelemetry.sdk.autoconfigure.spi.ConfigurablePropagatorProvider; then
  log "skipped: otel+extension ($extension has no propagator yet)"
  drop otel+extension
fi
IFS=, read -r -a cfgs <<<"$configs"
((${#cfgs[@]} > 0)) || die "no configuration left to run"
log "configurations: ${cfgs[*]}"

# ---- the record of this run --------------------------------------------------------------------

java_version=$("$java_bin" -version 2>&1 | sed -n 1p)
jstat_bin=$(dirname "$(readlink -f "$(command -v "$java_bin")")")/jstat  # the services' JDK's
wrk_version=$(wrk -v 2>&1 | sed -n 's/^\(wrk [^ ]*\).*/\1/p' || true)
{
  [[ -n $note ]] && echo "**$note**" && echo
  echo "- chain: $chain, wrk -> $(basename "$front_jar") ($front_path) -> $(basename "$backend_jar") (/echo)"
  echo "- run: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
  echo "- machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1p), $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r); load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- java: $java_version; services run with \`$jvm_opts\`; $wrk_version; OpenTelemetry Java agent $otel_version"
  if ((interleave == 0)); then
    echo "- load: $rounds round(s) x ${#cfgs[@]} configurations, order rotated each round; per configuration and round ${warmup} s warm-up (wrk runs of at most 10 s) then ${duration} s measured, $connections connections, $wrk_threads wrk thread(s); every request labelled (x-asm-traffic-tag: dev-x) with a random x-request-id (UUID) and a traceparent with a random trace id"
  else
    echo "- load: $rounds round(s) x ${#cfgs[@]} configurations, interleaved: in each round every configuration started (order rotated each round) and warmed up for ${warmup} s (wrk runs of at most 10 s), then all running at once and measured in turn in windows of ${interleave} s (order rotated each turn) until each had $((windows * interleave)) s; a round's figure is the median of its windows; $connections connections, $wrk_threads wrk thread(s); every request labelled (x-asm-traffic-tag: dev-x) with a random x-request-id (UUID) and a traceparent with a random trace id"
  fi
  echo "- hello-world start: median of $start_runs run(s) per configuration (plus one discarded), \`java [agent] -cp . Hello\`"
  if has graylane-b || has graylane-b-mirror-sink; then
    if [[ $agent_b == "$agent" ]]; then b_jar="this build's agent jar"; else b_jar=$agent_b; fi
    echo "- graylane-b: $b_jar${opts_b:+ with \`$opts_b\`}"
  fi
} >"$meta"
: >"$results"

# ---- hello-world start time --------------------------------------------------------------------

hello_cfgs=()
for c in "${cfgs[@]}"; do [[ $c == graylane-*mirror-* || $c == manual* || $c == headers* ]] || hello_cfgs+=("$c"); done  # manual, headers: none
log "hello-world start: ${hello_cfgs[*]} x $start_runs"
for i in $(seq 0 "$start_runs"); do
  for c in "${hello_cfgs[@]}"; do
    agent_args "$c"
    t0=$(date +%s%N)
    "${clean_env[@]}" "$java_bin" "${args[@]}" -cp "$tool_dir" Hello >/dev/null 2>>"$run/hello-$c.log" \
      || die "hello world failed with $c (see $run/hello-$c.log)"
    t1=$(date +%s%N)
    ((i == 0)) || record "$i" "$c" hello_ms $(((t1 - t0) / 1000000))  # run 0 warms the page cache
  done
done

# ---- the chain, configuration by configuration -------------------------------------------------

probe_traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
sinks() { [[ $1 == graylane-mirror-sink || $1 == graylane-b-mirror-sink || $1 == graylane-mirror-compare ]]; }  # CONFIG sends to a sink
# what start_chain keeps of each configuration's running chain, by configuration
declare -A f_pids b_pids urls sink_ports sink_pids f_firsts b_firsts f_start_cpus b_start_cpus
# the figures of the round's measured windows, by "CONFIG METRIC": the values, space-separated
declare -A window_values
# figures of a window that are added up over the round's windows; every other one is the median of its windows
summed=" mirror_copies "

wrk_load() { "${pin_rest[@]}" wrk --threads "$wrk_threads" --connections "$connections" --timeout 10s --script it-tests/bench/chain.lua "$@"; }

start_chain() {  # ROUND CONFIG: starts its services, checks what the chain forwards, warms it up; leaves it running
  local round=$1 config=$2 tag="r$1-$2" base=${2%@*}  # base: what CONFIG@N runs
  sink_port="" sink_pid=""
  if [[ $base == graylane-mirror-sink || $base == graylane-b-mirror-sink ]]; then start_sink "$tag-sink"; fi
  if [[ $base == graylane-mirror-compare ]]; then start_sink "$tag-sink" --json; fi
  sink_ports[$config]=$sink_port sink_pids[$config]=$sink_pid
  absent_port=$(free_port)  # nothing listens here
  agent_args "$config"

  local bport fport
  bport=$(free_port)
  launch "$tag-backend" "http://127.0.0.1:$bport/health" -- \
    "${pin_rest[@]}" "${clean_env[@]}" "$java_bin" "${service_opts[@]}" "${args[@]}" -jar "$backend_jar" "$bport"
  b_pids[$config]=$svc_pid b_firsts[$config]=$svc_first_ms b_start_cpus[$config]=$(cpu_ticks "$svc_pid")
  fport=$(free_port)
  launch "$tag-front" "http://127.0.0.1:$fport$front_path" --body-file "$run/$tag-first.json" \
    --header "x-asm-traffic-tag: dev-x" --header "x-request-id: bench-first" --header "traceparent: $probe_traceparent" \
    -- "${pin_front[@]}" "${clean_env[@]}" "$java_bin" "${service_opts[@]}" "${args[@]}" -jar "$front_jar" "$fport" "http://127.0.0.1:$bport"
  f_pids[$config]=$svc_pid f_firsts[$config]=$svc_first_ms f_start_cpus[$config]=$(cpu_ticks "$svc_pid")
  urls[$config]="http://127.0.0.1:$fport$front_path"
  "${tool[@]}" check --config "$base" --traceparent "$probe_traceparent" "$run/$tag-first.json" \
    || die "$config does not forward what it should (front answer in $run/$tag-first.json)"

  # the warm-up in wrk runs of at most 10 s: where one run ends and the next begins, its connections close and new
  # ones open, code the steady load never runs; the JIT, which compiled the hot request path without it, throws away
  # (deoptimizes) much of that path there and compiles it again, which on the front's one CPU went on well into the
  # measured window when the only such change was the one right before it
  : >"$run/$tag-warmup.txt"
  local left=$warmup part
  while ((left > 0)); do
    part=$((left < 10 ? left : 10))
    wrk_load --duration "${part}s" "${urls[$config]}" >>"$run/$tag-warmup.txt" || die "wrk failed (warm-up of $config)"
    left=$((left - part))
  done
}

# keep CONFIG METRIC VALUE: one window's figure; an interleaved run's also goes to the results with the window's turn,
# for the report to pair it with the reference's window of the same turn
keep() {
  window_values["$1 $2"]+="$3 "
  if [[ -n $window && $summed != *" $2 "* ]]; then printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$1" "$2" "$3" "$window" >>"$results"; fi
}

measure_window() {  # ROUND CONFIG SECONDS NAME [TURN]: one measured wrk run on the configuration's running chain
  local round=$1 config=$2 seconds=$3 out="$run/r$1-$2-$4.txt" base=${2%@*} window=${5:-}
  local f_pid=${f_pids[$config]} b_pid=${b_pids[$config]}
  sink_port=${sink_ports[$config]} sink_pid=${sink_pids[$config]}
  local f0 b0 f1 b1 j0 j1 m0="" m1="" g0 g1 s0=0 s1=0 copies0=0 copies1=0
  sinks "$base" && copies0=$(sink_count) && s0=$(cpu_ticks "$sink_pid") && m0=$(mirror_ticks "$f_pid")
  g0=$(gc_pause_ms "$f_pid")
  j0=$(jit_ticks "$f_pid") f0=$(cpu_ticks "$f_pid") b0=$(cpu_ticks "$b_pid")
  wrk_load --duration "${seconds}s" --latency "${urls[$config]}" >"$out" || die "wrk failed ($config)"
  f1=$(cpu_ticks "$f_pid") b1=$(cpu_ticks "$b_pid") j1=$(jit_ticks "$f_pid")
  sinks "$base" && m1=$(mirror_ticks "$f_pid")
  g1=$(gc_pause_ms "$f_pid")
  sinks "$base" && s1=$(cpu_ticks "$sink_pid") && copies1=$(sink_count)

  local line requests=0 duration_us=1 status_errors=0 socket_errors=0 p50_us p90_us p99_us kv
  line=$(sed -n 's/^bench //p' "$out")
  [[ -n $line ]] || die "no wrk summary in $out"
  for kv in $line; do local "${kv%%=*}=${kv#*=}"; done
  ((requests > 0)) || die "$config served no request in the measured window ($out)"
  ((status_errors == 0)) || die "$config answered $status_errors requests with an error status ($out)"
  ((socket_errors * 100 <= requests)) || die "$config: $socket_errors socket errors in $requests requests ($out)"

  keep "$config" rps "$(calc "$requests / ($duration_us / 1e6)")"
  keep "$config" p50_ms "$(calc "$p50_us / 1000")"
  keep "$config" p90_ms "$(calc "$p90_us / 1000")"
  keep "$config" p99_ms "$(calc "$p99_us / 1000")"
  keep "$config" front_cpu_us "$(calc "($f1 - $f0) * 1e6 / $clk_tck / $requests")"
  local jit; jit=$(ticks_delta "$j0" "$j1")
  keep "$config" front_jit_cpu_us "$(calc "$jit * 1e6 / $clk_tck / $requests")"
  keep "$config" front_cpu_nojit_us "$(calc "($f1 - $f0 - $jit) * 1e6 / $clk_tck / $requests")"
  [[ -n $g0 && -n $g1 ]] && keep "$config" front_gc_pause_us "$(calc "($g1 - $g0) * 1000 / $requests")"
  keep "$config" backend_cpu_us "$(calc "($b1 - $b0) * 1e6 / $clk_tck / $requests")"
  if sinks "$base"; then
    keep "$config" front_mirror_cpu_us "$(calc "$(ticks_delta "$m0" "$m1") * 1e6 / $clk_tck / $requests")"
    keep "$config" mirror_copies $((copies1 - copies0))
    if ((copies1 > copies0)); then
      keep "$config" sink_cpu_us "$(calc "($s1 - $s0) * 1e6 / $clk_tck / ($copies1 - $copies0)")"
    fi
  fi
}

record_chain() {  # ROUND CONFIG: records the round's figures of a running chain (its windows' medians or sums)
  local round=$1 config=$2 key metric values
  for key in "${!window_values[@]}"; do
    [[ ${key%% *} == "$config" ]] || continue
    metric=${key#* } values=${window_values[$key]}
    if [[ $summed == *" $metric "* ]]; then
      record "$round" "$config" "$metric" "$(tr ' ' '\n' <<<"$values" | awk 'NF { s += $1 } END { print s }')"
    else
      record "$round" "$config" "$metric" "$(tr ' ' '\n' <<<"$values" | sort -g | awk 'NF { v[n++] = $1 }
        END { printf "%.3f", n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2 }')"
    fi
    unset 'window_values[$key]'
  done
  record "$round" "$config" front_rss_mb "$(calc "$(peak_rss_kb "${f_pids[$config]}") / 1024")"
  record "$round" "$config" backend_rss_mb "$(calc "$(peak_rss_kb "${b_pids[$config]}") / 1024")"
  record "$round" "$config" front_first_ms "${f_firsts[$config]}"
  record "$round" "$config" backend_first_ms "${b_firsts[$config]}"
  record "$round" "$config" front_start_cpu_ms $((f_start_cpus[$config] * 1000 / clk_tck))
  record "$round" "$config" backend_start_cpu_ms $((b_start_cpus[$config] * 1000 / clk_tck))
  log "round $round $config: $(awk -v r="$round" -v c="$config" -F '\t' '$1 == r && $2 == c { v[$3] = $4 }
    END { printf "%.0f req/s, p50 %s ms, p99 %s ms, front CPU %s us/req, first request after %s ms", v["rps"], v["p50_ms"],
          v["p99_ms"], v["front_cpu_us"], v["front_first_ms"] }' "$results")"
}

n=${#cfgs[@]}
for round in $(seq 1 "$rounds"); do
  order=()
  for k in $(seq 0 $((n - 1))); do order+=("${cfgs[$(((k + round - 1) % n))]}"); done
  if ((interleave == 0)); then
    for config in "${order[@]}"; do
      start_chain "$round" "$config"
      measure_window "$round" "$config" "$duration" wrk
      record_chain "$round" "$config"
      stop_services
    done
  else
    # every chain of the round running at once, each idle but while it is measured: windows of $interleave s, one
    # per configuration in turn (the order rotated each turn), until each has had $duration s; a slow minute of the
    # machine falls on all of them alike
    for config in "${order[@]}"; do start_chain "$round" "$config"; done
    for w in $(seq 1 "$windows"); do
      for k in $(seq 0 $((n - 1))); do
        measure_window "$round" "${order[$(((k + w - 1) % n))]}" "$interleave" "w$w" "$w"
      done
    done
    for config in "${order[@]}"; do record_chain "$round" "$config"; done
    stop_services
  fi
done

echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$meta"
"${tool[@]}" report --results "$results" --meta "$meta" --out "$out/results$suffix.md"
log "written: $out/results$suffix.md (raw figures: $results, logs: $run/)"
