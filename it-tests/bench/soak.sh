#!/usr/bin/env bash
# Soak test: the sample chain under steady load for a long time, with the agent in both services and the front
# mirroring every request to a target that is up, hung and down in turn; fails when something grows without bound
# or when the primary requests fail.
#     wrk -> front (Jetty 12; agent, mirror on) -> OkHttp, JDK and Apache clients, thread hops -> backend (Tomcat 9; agent)
#                 \-> copies -> flaky target: up (answers 200), hung (reads, never answers), down (port closed)
# The load (it-tests/bench/soak.lua) rotates over outbound clients, sync and async, thread hops and a POST whose
# body the front reads, every request labelled with its own request id and trace. The time is cut into windows;
# after each window both JVMs are sampled (SoakTool probe: heap after a full GC, live threads, RSS, every numeric
# attribute of graylane's MBeans) and the window's throughput, p99 and errors are recorded.
# Fails when: any primary request answered an error status, or more than 0.1% failed at the socket; the mirror sent
# nothing, or never failed nor dropped (the target was not really flaky); or a bounded series grows (SoakTool check:
# heap after GC, threads, RSS: the last third's maximum above the middle third's by more than 10% and a margin;
# copies pending or queued above the queue's bound at any time).
# Results: stdout and it-tests/target/soak/results.md (raw: samples.tsv, logs/).
#
# Usage: bash it-tests/bench/soak.sh [options]
#   --minutes M           length of the run (default 30)
#   --phase-seconds S     how long the mirror target stays in each state (default 60)
#   --sample-seconds S    length of one load window, after which both JVMs are sampled (default 60)
#   --connections C       concurrent wrk connections (default 8)
#   --jvm-opts "OPTS"     JVM options of front and backend (default "-Xms256m -Xmx256m")
#   --java PATH           java launcher for the services (default: $JAVA_HOME/bin/java, else java)
#   --build               rebuild (mvn -B -q -DskipTests package) even if the jars exist
#   --smoke               45 s, 5 s phases, 15 s windows: serves, never fails the primary, samples read (for CI);
#                         too short to judge growth
# Needs: Linux (/proc), JDK 17+, Maven, wrk (installed with apt-get when missing and allowed).
set -euo pipefail
cd "$(dirname "$0")/../.."

total_s=1800 phase_s=60 window_s=60 connections=8 jvm_opts="-Xms256m -Xmx256m"
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
build=false
while (($#)); do
  case $1 in
    --minutes) total_s=$(($2 * 60)); shift ;;
    --phase-seconds) phase_s=$2; shift ;;
    --sample-seconds) window_s=$2; shift ;;
    --connections) connections=$2; shift ;;
    --jvm-opts) jvm_opts=$2; shift ;;
    --java) java_bin=$2; shift ;;
    --build) build=true ;;
    --smoke) total_s=45 phase_s=5 window_s=15 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
  esac
  shift
done
((window_s > 0 && phase_s > 0 && total_s >= window_s)) || { echo "soak.sh: the run must hold at least one window" >&2; exit 2; }

out=it-tests/target/soak
name=soak
# shellcheck source=it-tests/bench/lib.sh
source it-tests/bench/lib.sh
soak_tool=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp "$tool_dir" SoakTool)
read -r -a service_opts <<<"$jvm_opts"
samples=$out/samples.tsv
: >"$samples"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$samples"; }  # window service key value

# ---- the chain and the flaky mirror target -------------------------------------------------------

tport=$(free_port)
launch target "http://127.0.0.1:$tport/__soak/phase" -- "${soak_tool[@]}" flaky-target --port "$tport" \
  --phase-seconds "$phase_s"
bport=$(free_port)
launch backend "http://127.0.0.1:$bport/health" -- "${clean_env[@]}" "$java_bin" "${service_opts[@]}" \
  "-javaagent:$agent" -jar "$backend_jar" "$bport"
backend_pid=$svc_pid
fport=$(free_port)
launch front "http://127.0.0.1:$fport/health" -- "${clean_env[@]}" "$java_bin" "${service_opts[@]}" \
  "-javaagent:$agent" -Dgraylane.mirror.enabled=true "-Dgraylane.mirror.target=http://127.0.0.1:$tport" \
  -jar "$front_jar" "$fport" "http://127.0.0.1:$bport"
front_pid=$svc_pid

windows=$((total_s / window_s))
started="$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
log "java: $("$java_bin" -version 2>&1 | sed -n 1p); $windows window(s) of $window_s s, $connections connections;" \
    "mirror target up/hung/down for $phase_s s each"
"${tool[@]}" get "http://127.0.0.1:$tport/__soak/start" >/dev/null
t0=$(date +%s)
phases=(up hung down)

# ---- windows ---------------------------------------------------------------------------------------

value() { sed -n "s/^$2=//p" "$1"; }  # value FILE KEY
bad_windows=0
for w in $(seq 1 "$windows"); do
  phase=${phases[$((($(date +%s) - t0 + window_s / 2) / phase_s % 3))]}  # the target's state mid-window
  wrk --threads 1 --connections "$connections" --timeout 10s --latency --script it-tests/bench/soak.lua \
    --duration "${window_s}s" "http://127.0.0.1:$fport" >"$run/window-$w.txt" || die "wrk failed (window $w)"
  line=$(sed -n 's/^soak //p' "$run/window-$w.txt")
  [[ -n $line ]] || die "no wrk summary in $run/window-$w.txt"
  requests=0 duration_us=1 status_errors=0 socket_errors=0 p99_us=0
  for kv in $line; do declare "${kv%%=*}=${kv#*=}"; done
  record "$w" load phase "$phase"
  record "$w" load rps "$(calc "$requests / ($duration_us / 1e6)")"
  record "$w" load p99_ms "$(calc "$p99_us / 1000")"
  record "$w" load status_errors "$status_errors"
  record "$w" load socket_errors "$socket_errors"
  if ((status_errors > 0 || socket_errors * 1000 > requests)); then bad_windows=$((bad_windows + 1)); fi

  for svc in front backend; do
    pid_var=${svc}_pid
    probe=$run/probe-$svc-$w.txt
    "${soak_tool[@]}" probe "${!pid_var}" >"$probe" || die "could not sample $svc (pid ${!pid_var})"
    while IFS='=' read -r key val; do record "$w" "$svc" "$key" "$val"; done <"$probe"
  done
  probe=$run/probe-front-$w.txt
  selected=$(value "$probe" graylane.Mirror.Selected)
  if [[ -n $selected ]]; then
    pending=$((selected - $(value "$probe" graylane.Mirror.Sent) - $(value "$probe" graylane.Mirror.Failed) \
      - $(value "$probe" graylane.Mirror.Dropped) - $(value "$probe" graylane.Mirror.Skipped)))
    record "$w" front mirror_pending "$pending"
  fi
  log "window $w/$windows (target $phase): $(calc "$requests / ($duration_us / 1e6)") req/s, p99 $(calc "$p99_us / 1000") ms," \
      "errors $status_errors/$socket_errors; front heap $(value "$probe" heap_after_gc_mb) MB, threads $(value "$probe" threads)," \
      "RSS $(value "$probe" rss_mb) MB; mirror sent $(value "$probe" graylane.Mirror.Sent), failed" \
      "$(value "$probe" graylane.Mirror.Failed), dropped $(value "$probe" graylane.Mirror.Dropped), queued" \
      "$(value "$probe" graylane.Mirror.Queued)"
done

# ---- verdict -----------------------------------------------------------------------------------------

{
  echo "- run: started $started; load average at end $(cut -d' ' -f1-3 /proc/loadavg);" \
       "$(nproc) CPUs; $("$java_bin" -version 2>&1 | sed -n 1p); services \`$jvm_opts\`"
  echo "- $windows window(s) of $window_s s, $connections wrk connections; mirror target up, hung, down for $phase_s s each"
  echo
  echo "| window | target | req/s | p99 ms | errors | front heap after GC MB | front threads | front RSS MB | backend heap MB | backend threads | backend RSS MB | mirror sent | failed | dropped | skipped | queued |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ v[$1 " " $2 " " $3] = $4; if ($1 > n) n = $1 }
    END { for (w = 1; w <= n; w++) printf "| %d | %s | %.0f | %.1f | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", w,
      v[w " load phase"], v[w " load rps"], v[w " load p99_ms"], v[w " load status_errors"] + v[w " load socket_errors"],
      v[w " front heap_after_gc_mb"], v[w " front threads"], v[w " front rss_mb"],
      v[w " backend heap_after_gc_mb"], v[w " backend threads"], v[w " backend rss_mb"],
      v[w " front graylane.Mirror.Sent"], v[w " front graylane.Mirror.Failed"], v[w " front graylane.Mirror.Dropped"],
      v[w " front graylane.Mirror.Skipped"], v[w " front graylane.Mirror.Queued"] }' "$samples"
} >"$out/results.md"
cat "$out/results.md"

failed=0
if ((bad_windows > 0)); then
  log "FAILED: primary requests failed in $bad_windows window(s) (a mirror target must never fail the primary)"
  failed=1
fi
last_probe=$run/probe-front-$windows.txt
sent=$(value "$last_probe" graylane.Mirror.Sent) lost=$(($(value "$last_probe" graylane.Mirror.Failed) + $(value "$last_probe" graylane.Mirror.Dropped)))
if ((${sent:-0} == 0 || lost == 0)); then
  log "FAILED: the mirror sent ${sent:-0} copies and lost $lost: the target did not go through up and down/hung"
  failed=1
fi
"${soak_tool[@]}" check --samples "$samples" || failed=1
((failed == 0)) || exit 1
log "passed: nothing grew without bound; written: $out/results.md"
