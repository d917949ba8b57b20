# shellcheck shell=bash
# What run.sh and soak.sh share: building what is missing, wrk, the Java tools, and starting and stopping services
# through BenchTool's launcher (which times each service's first answered request and never lets it outlive the
# script). Source it from the repository root after setting:
#   out    the script's output directory (logs go to $out/logs)
#   build  true to rebuild even when the jars exist
#   name   the script's name in messages ("bench", "soak")
root=$PWD
run=$out/logs
agent=$root/agent/target/graylane-agent.jar
front_jar=${front_jar:-$root/sample-apps/target/graylane-front.jar}  # run.sh --chain webflux sets its own
backend_jar=$root/sample-apps/target/graylane-backend.jar
tool_dir=$out/tool
tool=(java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -cp "$tool_dir" BenchTool)
# what every JVM under test is started with: no inherited agents or graylane/OpenTelemetry settings, lane "base"
clean_env=(env -u JAVA_TOOL_OPTIONS -u JDK_JAVA_OPTIONS -u _JAVA_OPTIONS)
for v in $(compgen -e | grep -E '^(GRAYLANE_|OTEL_)' || true); do clean_env+=(-u "$v"); done
clean_env+=(ASM_TRAFFIC_TAG=base)

die() { echo "$name: $*" >&2; exit 1; }
log() { echo "[$name] $*"; }

# ---- what a run needs ----------------------------------------------------------------------------

need_build=$build
for jar in "$agent" "$front_jar" "$backend_jar"; do [[ -f $jar ]] || need_build=true; done
if $need_build; then
  log "building: mvn -B -q -DskipTests package"
  MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -DskipTests package
fi

if ! command -v wrk >/dev/null 2>&1; then
  sudo=""
  [[ $(id -u) == 0 ]] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo=sudo; }
  if command -v apt-get >/dev/null 2>&1 && { [[ $(id -u) == 0 ]] || [[ -n $sudo ]]; }; then
    log "installing wrk: apt-get install wrk"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
  fi
  command -v wrk >/dev/null 2>&1 || die "wrk is needed and could not be installed: install it (Debian/Ubuntu: apt-get install wrk)"
fi

rm -rf "$run" "$tool_dir"
mkdir -p "$run" "$tool_dir"
javac --release 17 -d "$tool_dir" it-tests/bench/tool/*.java

# ---- starting and stopping services ------------------------------------------------------------

launchers=()
stop_services() {
  local l
  for l in "${launchers[@]}"; do kill "$l" 2>/dev/null || true; done
  for l in "${launchers[@]}"; do wait "$l" 2>/dev/null || true; done  # each launcher stops its service first
  launchers=()
}
trap stop_services EXIT
trap 'exit 130' INT TERM

free_port() { "${tool[@]}" free-port; }

# launch NAME URL [launch options] -- COMMAND...: starts COMMAND through BenchTool launch, which times the first
# 200 from URL and stays the service's parent. Sets svc_pid and svc_first_ms.
launch() {
  local name=$1 url=$2 ready=$run/$1.ready
  shift 2
  "${tool[@]}" launch --log "$run/$name.log" --ready-file "$ready" --url "$url" "$@" &
  local launcher=$!
  launchers+=("$launcher")
  while [[ ! -f $ready ]] && kill -0 "$launcher" 2>/dev/null; do sleep 0.05; done
  [[ -f $ready ]] || die "$name: the launcher exited without a result"
  if grep -q '^error=' "$ready"; then
    echo "--- last lines of $run/$name.log:" >&2
    tail -n 40 "$run/$name.log" >&2 || true
    die "$name did not serve: $(sed -n 's/^error=//p' "$ready")"
  fi
  svc_pid=$(sed -n 's/^pid=//p' "$ready")
  svc_first_ms=$(sed -n 's/^first_request_ms=//p' "$ready")
}

calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
