#!/usr/bin/env bash
# Builds graylane and the sample apps, starts the chain
#   front (Jetty 12, agent, lane "base") -> middle backend (Tomcat 9, agent, lane "base") -> leaf backend (no agent)
# and prints, hop by hop, which label and trace id each service saw.
# Usage: bash sample-apps/demo.sh [okhttp|okhttp-async|url-connection|java-http|java-http-async|apache4|apache5]
set -euo pipefail
cd "$(dirname "$0")/.."
client="${1:-okhttp}"

mvn -B -q -DskipTests package
agent=agent/target/graylane-agent.jar
apps=sample-apps/target
logs=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { java -cp "$apps/graylane-front.jar" io.graylane.samples.FreePort; }
wait_health() {
  for _ in $(seq 1 120); do
    if java -cp "$apps/graylane-front.jar" io.graylane.samples.FreePort --check "$1"; then return 0; fi
    sleep 0.25
  done
  echo "service on port $1 did not start; logs in $logs" >&2; exit 1
}

leaf=$(free_port); java -jar "$apps/graylane-backend.jar" "$leaf" >"$logs/leaf.log" 2>&1 & pids+=($!)
wait_health "$leaf"
middle=$(free_port)
ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-backend.jar" "$middle" "http://127.0.0.1:$leaf" >"$logs/middle.log" 2>&1 & pids+=($!)
wait_health "$middle"
front=$(free_port)
ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-front.jar" "$front" "http://127.0.0.1:$middle" >"$logs/front.log" 2>&1 & pids+=($!)
wait_health "$front"

echo "front :$front -> backend :$middle (agent) -> backend :$leaf (no agent); logs in $logs"
grep -h '^\[graylane\]' "$logs/front.log" | head -1
java -cp "$apps/graylane-front.jar" io.graylane.samples.DemoClient "http://127.0.0.1:$front" "$client"
