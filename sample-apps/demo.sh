#!/usr/bin/env bash
# Builds graylane and the sample apps, starts the chain
#   front (Jetty 12, agent, lane "base") -> middle backend (Tomcat 9, agent, lane "base") -> leaf backend (no agent)
# and prints, hop by hop, which label and trace id each service saw.
# Usage: bash sample-apps/demo.sh [okhttp|okhttp-async|url-connection|java-http|java-http-async|apache4|apache5]
#        bash sample-apps/demo.sh mirror    (shadow traffic: front v1 serves, a copy of each request goes to front v2)
#        bash sample-apps/demo.sh chain [dubbo|tri] [zookeeper://HOST:PORT]
#             (front -gRPC-> reviews -Dubbo-> ratings -HTTP-> backend; reviews reaches ratings by direct URL, or
#              through that ZooKeeper registry, which must already run)
#        bash sample-apps/demo.sh compare   (mirror comparison: catalog v1 with the agent copies each request to a
#             candidate v2 and a secondary v1, compares the answers, and the report command summarises them)
#        bash sample-apps/demo.sh kafka     (a queue hop: front -Kafka-> poll-loop consumer -HTTP-> backend; a Kafka broker
#             in KRaft mode runs for the demo)
#        bash sample-apps/demo.sh rocketmq  (a queue hop: front -RocketMQ-> push consumer -HTTP-> backend; a RocketMQ
#             name server and broker run for the demo)
#        bash sample-apps/demo.sh lanes     (full-link gray release: front -gRPC-> reviews -HTTP-> backend in lane base,
#             reviews also in lane dev-x, every hop through an HAProxy that routes by x-asm-traffic-tag; needs haproxy)
set -euo pipefail
cd "$(dirname "$0")/.."
client="${1:-okhttp}"
if [ "$client" = chain ]; then
  protocol="${2:-dubbo}"
  registry="${3:-}"
  case "$protocol" in
    dubbo|tri) ;;
    *) echo "usage: bash sample-apps/demo.sh chain [dubbo|tri] [zookeeper://HOST:PORT]" >&2; exit 2 ;;
  esac
fi

if [ "$client" = lanes ] && ! command -v haproxy >/dev/null 2>&1; then
  echo "demo.sh lanes needs HAProxy as the router: apt-get install -y haproxy (Debian, Ubuntu)" >&2; exit 1
fi

# -q alone still prints colour resets ("ESC[0m") on some Maven installs (jansi 2 resets the console on exit, even in
# batch mode and when the output is not a terminal); jansi.noreset keeps the demo's first line clean
MAVEN_OPTS="${MAVEN_OPTS:-} -Djansi.noreset=true" mvn -B -q -Dstyle.color=never -DskipTests package
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
# for services without HTTP (gRPC, Dubbo): waits until their log shows the line they print once they serve
# (30 s, or $3 quarter seconds)
wait_log() {
  for _ in $(seq 1 "${3:-120}"); do
    if grep -qF "$2" "$1"; then return 0; fi
    sleep 0.25
  done
  echo "$1 never showed '$2'; logs in $logs" >&2; exit 1
}

if [ "$client" = compare ]; then
  # Diffy in the process: the primary (catalog v1, agent) copies each request to the candidate (v2: a field renamed,
  # a price changed on every tenth item) and to a secondary (v1 again, to learn the noise), and compares the answers
  catalog() { java -cp "$apps/graylane-front.jar" io.graylane.samples.CatalogApp "$@"; }
  candidate=$(free_port); secondary=$(free_port); primary=$(free_port)
  catalog "$candidate" v2 >"$logs/candidate.log" 2>&1 & pids+=($!)
  catalog "$secondary" v1 >"$logs/secondary.log" 2>&1 & pids+=($!)
  java -javaagent:"$agent" -Dgraylane.mirror.enabled=true -Dgraylane.mirror.target="http://127.0.0.1:$candidate" \
    -Dgraylane.mirror.compare=true -Dgraylane.mirror.secondary="http://127.0.0.1:$secondary" \
    -Dgraylane.mirror.compare.report="$logs/compare.jsonl" \
    -cp "$apps/graylane-front.jar" io.graylane.samples.CatalogApp "$primary" v1 >"$logs/primary.log" 2>&1 & pids+=($!)
  primary_pid=$!
  wait_health "$candidate"; wait_health "$secondary"; wait_health "$primary"
  echo "primary v1 :$primary (agent, compares) -> candidate v2 :$candidate, secondary v1 :$secondary; logs in $logs"
  grep -h '^\[graylane\]' "$logs/primary.log" | head -1
  catalog --load "http://127.0.0.1:$primary" 500 100
  # every item differs (a renamed field) and every user by its timestamp: one report line each, once compared
  for _ in $(seq 1 240); do
    [ "$(grep -c -E '"endpoint":"GET /(items|users)/\{id\}"' "$logs/compare.jsonl" 2>/dev/null || true)" -ge 600 ] && break
    sleep 0.25
  done
  kill "$primary_pid"; wait "$primary_pid" 2>/dev/null || true # at exit the agent writes its final totals
  echo
  java -jar "$agent" report "$logs/compare.jsonl" --html "$logs/compare.html"
  echo "one line of the report file:"
  grep -m1 '"outcome":"different"' "$logs/compare.jsonl" | cut -c1-400
  exit 0
fi

if [ "$client" = lanes ]; then
  # one router port per service and one port per instance, for each service and lane of the lane table
  table=sample-apps/lanes.tsv
  declare -A port pid
  mesh_args=()
  while read -r service protocol _ lanes; do
    port[$service]=$(free_port); mesh_args+=("$service=${port[$service]}")
    for lane in $lanes; do port[$service/$lane]=$(free_port); mesh_args+=("$service/$lane=${port[$service/$lane]}"); done
  done < <(grep -v '^#' "$table" | grep -v '^[[:space:]]*$')
  java -cp "$apps/graylane-front.jar" io.graylane.samples.LaneMesh "$table" "${mesh_args[@]}" >"$logs/haproxy.cfg"
  router=http://127.0.0.1
  # every service with the agent and its lane; each calls the next through the router, never an instance directly
  start() { # SERVICE LANE JAR ARGS...
    local service=$1 lane=$2 jar=$3; shift 3
    ASM_TRAFFIC_TAG=$lane java -javaagent:"$agent" -jar "$apps/$jar" "$@" >"$logs/$service-$lane.log" 2>&1 & pids+=($!)
    pid[$service/$lane]=$!
  }
  for lane in $(awk '$1 == "backend" { $1 = $2 = $3 = ""; print }' "$table"); do
    start backend "$lane" graylane-backend.jar "${port[backend/$lane]}"
  done
  for lane in $(awk '$1 == "reviews" { $1 = $2 = $3 = ""; print }' "$table"); do
    start reviews "$lane" graylane-reviews.jar "${port[reviews/$lane]}" "$router:${port[backend]}"
  done
  for lane in $(awk '$1 == "front" { $1 = $2 = $3 = ""; print }' "$table"); do
    start front "$lane" graylane-front.jar "${port[front/$lane]}" "$router:${port[backend]}" "127.0.0.1:${port[reviews]}"
  done
  for key in "${!port[@]}"; do
    case "$key" in
      reviews/*) wait_log "$logs/reviews-${key#reviews/}.log" "[reviews] listening on" ;;
      */*) wait_health "${port[$key]}" ;;
    esac
  done
  haproxy -db -f "$logs/haproxy.cfg" >"$logs/haproxy.log" 2>&1 & pids+=($!)
  wait_health "${port[front]}"   # through the router
  echo "router (HAProxy, config generated from $table): front :${port[front]}, reviews :${port[reviews]} (h2)," \
    "backend :${port[backend]}; instances:"
  for key in $(printf '%s\n' "${!port[@]}" | grep / | sort); do echo "  ${key%/*} lane ${key#*/} :${port[$key]}"; done
  echo "logs and haproxy.cfg in $logs"
  echo
  ask() { # LABEL (- for none)
    local label=$1
    printf '%-28s -> %s\n' "x-asm-traffic-tag: $label" "$(java -cp "$apps/graylane-front.jar" io.graylane.samples.LaneMesh \
      --ask "$router:${port[front]}/call/grpc" ${label#-})"
  }
  ask dev-x; ask -; ask dev-y
  echo
  echo "reviews dev-x stops: its lane has no instance left, dev-x requests fall back to base"
  kill "${pid[reviews/dev-x]}"
  for _ in $(seq 1 40); do
    case "$(java -cp "$apps/graylane-front.jar" io.graylane.samples.LaneMesh --ask "$router:${port[front]}/call/grpc" dev-x)" in
      *"reviews(base)"*) break ;;
    esac
    sleep 0.25
  done
  ask dev-x
  exit 0
fi

leaf=$(free_port); java -jar "$apps/graylane-backend.jar" "$leaf" >"$logs/leaf.log" 2>&1 & pids+=($!)
wait_health "$leaf"

if [ "$client" = chain ]; then
  # every hop another protocol: HTTP in, gRPC, Dubbo, HTTP; the provider first, so that reviews finds it at once
  ratings=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-ratings.jar" "$ratings" "http://127.0.0.1:$leaf" \
    "$protocol" ${registry:+"$registry"} >"$logs/ratings.log" 2>&1 & pids+=($!)
  wait_log "$logs/ratings.log" "[ratings] ready"
  if [ -n "$registry" ]; then next="$registry?protocol=$protocol"; else next="$protocol://127.0.0.1:$ratings"; fi
  reviews=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-reviews-dubbo.jar" "$reviews" "$next" \
    >"$logs/reviews.log" 2>&1 & pids+=($!)
  front=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-front.jar" "$front" "http://127.0.0.1:$leaf" \
    "127.0.0.1:$reviews" >"$logs/front.log" 2>&1 & pids+=($!)
  wait_log "$logs/reviews.log" "[reviews] listening on"
  wait_health "$front"
  echo "front :$front -gRPC-> reviews :$reviews -Dubbo-> ratings :$ratings -HTTP-> backend :$leaf (no agent);" \
    "reviews calls $next; logs in $logs"
  grep -h '^\[graylane\]' "$logs/reviews.log" | head -1
  java -cp "$apps/graylane-front.jar" io.graylane.samples.DemoClient "http://127.0.0.1:$front" grpc
  exit 0
fi

if [ "$client" = kafka ]; then
  # a queue hop: the front publishes a record per request, the consumer calls the backend (no agent) for each record
  kafka_cp="sample-apps/kafka/target/graylane-sample-kafka-0.1.0-SNAPSHOT.jar:$apps/kafka-lib/*"
  broker_cp="$apps/kafka-broker-lib/*"
  broker=$(free_port); controller=$(free_port)
  {
    echo "process.roles=broker,controller"
    echo "node.id=1"
    echo "controller.quorum.voters=1@127.0.0.1:$controller"
    echo "listeners=PLAINTEXT://127.0.0.1:$broker,CONTROLLER://127.0.0.1:$controller"
    echo "advertised.listeners=PLAINTEXT://127.0.0.1:$broker"
    echo "controller.listener.names=CONTROLLER"
    echo "inter.broker.listener.name=PLAINTEXT"
    echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    echo "log.dirs=$logs/kafka-data"
    echo "num.partitions=3"
    echo "offsets.topic.replication.factor=1"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "share.coordinator.state.topic.replication.factor=1"
    echo "share.coordinator.state.topic.min.isr=1"
    echo "group.initial.rebalance.delay.ms=0"
  } >"$logs/server.properties"
  {
    echo "rootLogger.level=warn"
    echo "rootLogger.appenderRef.out.ref=out"
    echo "appender.out.type=Console"
    echo "appender.out.name=out"
    echo "appender.out.layout.type=PatternLayout"
    echo "logger.started.name=kafka.server.KafkaRaftServer"
    echo "logger.started.level=info"
  } >"$logs/log4j2.properties"
  broker_java=(java -Xmx384m -Dlog4j2.configurationFile="$logs/log4j2.properties" -cp "$broker_cp")
  cluster=$("${broker_java[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
  "${broker_java[@]}" kafka.tools.StorageTool format --cluster-id="$cluster" -c "$logs/server.properties" >"$logs/kafka-format.log" 2>&1
  "${broker_java[@]}" kafka.Kafka "$logs/server.properties" >"$logs/kafka.log" 2>&1 & pids+=($!)
  wait_log "$logs/kafka.log" "Kafka Server started"
  ASM_TRAFFIC_TAG=consumer-lane java -javaagent:"$agent" -cp "$kafka_cp" io.graylane.samples.kafka.PlainConsumerApp \
    "127.0.0.1:$broker" orders demo "http://127.0.0.1:$leaf" >"$logs/consumer.log" 2>&1 & pids+=($!)
  front=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -cp "$kafka_cp" io.graylane.samples.kafka.KafkaFrontApp "$front" \
    "127.0.0.1:$broker" "http://127.0.0.1:$leaf" >"$logs/front.log" 2>&1 & pids+=($!)
  wait_log "$logs/consumer.log" "[plain] ready"
  wait_health "$front"
  echo "front :$front (lane base) -Kafka (broker :$broker, topic orders)-> consumer (lane consumer-lane) -HTTP->" \
    "backend :$leaf (no agent); logs in $logs"
  publish() { java -cp "$kafka_cp" io.graylane.samples.kafka.Publish "http://127.0.0.1:$front" orders "$@"; }
  publish order-1 "x-asm-traffic-tag: dev-x" "x-request-id: demo-kafka-1"
  publish order-2 "x-request-id: demo-kafka-2"
  publish order-3 "x-asm-traffic-tag: dev-y" "x-request-id: demo-kafka-3" "x-graylane-mirror: 1"
  wait_log "$logs/consumer.log" "[plain] record=order-3 "
  sleep 0.5 # the consumer's line for the call it makes after the batch
  echo "what the consumer's call to the backend carried, per record (and after each batch, outside any record):"
  grep -h '^\[plain\] ' "$logs/consumer.log" | grep -v ready | sed 's/^/  /'
  exit 0
fi

if [ "$client" = rocketmq ]; then
  # a queue hop: the front publishes per request (sync, async, oneway), a push consumer calls the backend (no agent)
  rocketmq_cp="sample-apps/rocketmq/target/graylane-sample-rocketmq-0.1.0-SNAPSHOT.jar:$apps/rocketmq-lib/*"
  broker_cp="$apps/rocketmq-broker-lib/*"
  namesrv=$(free_port); broker=$(free_port) # the broker also takes its port - 2 and + 1
  printf 'listenPort=%s\nbindAddress=127.0.0.1\n' "$namesrv" >"$logs/namesrv.conf"
  {
    echo "brokerClusterName=demo"
    echo "brokerName=broker-a"
    echo "brokerIP1=127.0.0.1"
    echo "bindAddress=127.0.0.1"
    echo "listenPort=$broker"
    echo "haListenPort=$((broker + 1))"
    echo "namesrvAddr=127.0.0.1:$namesrv"
    echo "storePathRootDir=$logs/rocketmq-store"
    echo "storePathCommitLog=$logs/rocketmq-store/commitlog"
    echo "mappedFileSizeCommitLog=16777216"
    echo "timerWheelEnable=false"
  } >"$logs/broker.conf"
  # the servers and clients write their own log files under user.home / rocketmq.log.root: keep them in $logs
  server_java=(java -Xmx256m -XX:MaxDirectMemorySize=128m -Duser.home="$logs" -Drocketmq.home.dir="$logs" -cp "$broker_cp")
  client_logs=(-Drocketmq.log.root="$logs/rocketmq-client" -Drocketmq.client.logRoot="$logs/rocketmq-client")
  "${server_java[@]}" org.apache.rocketmq.namesrv.NamesrvStartup -c "$logs/namesrv.conf" >"$logs/namesrv.log" 2>&1 & pids+=($!)
  wait_log "$logs/namesrv.log" "boot success" 480
  "${server_java[@]}" org.apache.rocketmq.broker.BrokerStartup -c "$logs/broker.conf" >"$logs/broker.log" 2>&1 & pids+=($!)
  wait_log "$logs/broker.log" "boot success" 480
  "${server_java[@]}" sample-apps/rocketmq-broker/CreateTopics.java "127.0.0.1:$namesrv" "127.0.0.1:$broker" orders \
    >"$logs/create-topics.log" 2>&1
  ASM_TRAFFIC_TAG=consumer-lane java -javaagent:"$agent" "${client_logs[@]}" -cp "$rocketmq_cp" \
    io.graylane.samples.rocketmq.PushConsumerApp "127.0.0.1:$namesrv" orders demo "http://127.0.0.1:$leaf" concurrently \
    >"$logs/consumer.log" 2>&1 & pids+=($!)
  front=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" "${client_logs[@]}" -cp "$rocketmq_cp" \
    io.graylane.samples.rocketmq.RocketMqFrontApp "$front" "127.0.0.1:$namesrv" "http://127.0.0.1:$leaf" \
    >"$logs/front.log" 2>&1 & pids+=($!)
  wait_log "$logs/consumer.log" "[rocketmq] ready"
  wait_health "$front"
  echo "front :$front (lane base) -RocketMQ (name server :$namesrv, broker :$broker, topic orders)-> consumer" \
    "(lane consumer-lane) -HTTP-> backend :$leaf (no agent); logs in $logs"
  publish() { java -cp "$rocketmq_cp" io.graylane.samples.rocketmq.Publish "http://127.0.0.1:$front" orders "$@"; }
  publish order-1 sync "x-asm-traffic-tag: dev-x" "x-request-id: demo-rocketmq-1"
  publish order-2 async "x-request-id: demo-rocketmq-2"
  publish order-3 oneway "x-asm-traffic-tag: dev-y" "x-request-id: demo-rocketmq-3" "x-graylane-mirror: 1"
  for id in order-1 order-2 order-3; do wait_log "$logs/consumer.log" "[rocketmq] record=$id "; done
  echo "what the consumer's call to the backend carried, per message:"
  grep -h '^\[rocketmq\] record=' "$logs/consumer.log" | sort | sed 's/^/  /'
  exit 0
fi

if [ "$client" = webflux ]; then
  # reactive: the WebFlux service serves on Reactor Netty's event loop and calls onwards with WebClient
  webflux=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-webflux.jar" "$webflux" "http://127.0.0.1:$leaf" \
    >"$logs/webflux.log" 2>&1 & pids+=($!)
  front=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-front.jar" "$front" "http://127.0.0.1:$webflux" \
    >"$logs/front.log" 2>&1 & pids+=($!)
  wait_health "$front"
  # Spring Boot takes a while on a busy machine: up to three minutes
  for _ in $(seq 1 360); do
    java -cp "$apps/graylane-front.jar" io.graylane.samples.FreePort --check "$webflux" && break
    sleep 0.25
  done
  wait_health "$webflux"
  echo "front :$front -> webflux :$webflux (agent, WebClient) -> backend :$leaf (no agent); logs in $logs"
  grep -h '^\[graylane\]' "$logs/webflux.log" | head -1
  java -cp "$apps/graylane-front.jar" io.graylane.samples.DemoClient "http://127.0.0.1:$front" okhttp
  exit 0
fi

middle=$(free_port)
ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-backend.jar" "$middle" "http://127.0.0.1:$leaf" >"$logs/middle.log" 2>&1 & pids+=($!)
wait_health "$middle"

if [ "$client" = mirror ]; then
  # Istio style: all traffic goes to v1; v1 copies each request, fire-and-forget, to the candidate v2
  # both use the same orders database (embedded H2; AUTO_SERVER lets the second JVM in); v2 guards against the copies' writes
  orders="jdbc:h2:file:$logs/orders;AUTO_SERVER=TRUE"
  v2=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -Dgraylane.shadow.guard=writes -Dfront.jdbc="$orders" \
    -jar "$apps/graylane-front.jar" "$v2" "http://127.0.0.1:$middle" >"$logs/front-v2.log" 2>&1 & pids+=($!)
  wait_health "$v2"
  v1=$(free_port)
  ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -Dgraylane.mirror.enabled=true -Dgraylane.mirror.target="http://127.0.0.1:$v2" \
    -Dfront.jdbc="$orders" -jar "$apps/graylane-front.jar" "$v1" "http://127.0.0.1:$middle" >"$logs/front-v1.log" 2>&1 & pids+=($!)
  wait_health "$v2"
  wait_health "$v1"
  echo "front v1 :$v1 (mirrors to v2) and front v2 :$v2, both -> backend :$middle (agent) -> backend :$leaf; logs in $logs"
  grep -h '^\[graylane\]' "$logs/front-v1.log" | head -1
  java -cp "$apps/graylane-front.jar" io.graylane.samples.DemoClient "http://127.0.0.1:$v1" mirror
  # copies are sent after the primary answered, in the background: give them a moment
  for _ in $(seq 1 40); do
    grep -q 'orders x-request-id=demo-mirror-4' "$logs/front-v2.log" && break
    sleep 0.25
  done
  echo
  echo "what the candidate v2 received (copies: Host gets -shadow, x-graylane-mirror: 1):"
  grep -h -E '^\[front\] .*(demo-mirror|\(shadow copy\))' "$logs/front-v2.log" | grep -v ' results ' | sed 's/^/  /' || echo "  (nothing yet)"
  echo "what the backend received from v2's own outbound call (the marker travels on):"
  grep -h -E '^\[backend\] .*shadow-copy' "$logs/middle.log" | sed 's/^/  /' || echo "  (nothing yet)"
  echo "what v2 (graylane.shadow.guard=writes) did with the copy of POST /orders: reads ran, writes were blocked:"
  grep -h 'orders x-request-id=demo-mirror-4' "$logs/front-v2.log" | sed -e 's/.*results {//' -e 's/}$//' -e 's/","/"\n/g' \
    | sed -e 's/^"//' -e 's/"$//' -e 's/":"/: /' -e 's/ of a shadow copy (.*//' -e 's/^/  /'
  grep -h '^\[graylane\] WARN shadow guard' "$logs/front-v2.log" | head -2 | sed 's/^/  /'
  exit 0
fi

front=$(free_port)
ASM_TRAFFIC_TAG=base java -javaagent:"$agent" -jar "$apps/graylane-front.jar" "$front" "http://127.0.0.1:$middle" >"$logs/front.log" 2>&1 & pids+=($!)
wait_health "$front"

echo "front :$front -> backend :$middle (agent) -> backend :$leaf (no agent); logs in $logs"
grep -h '^\[graylane\]' "$logs/front.log" | head -1
java -cp "$apps/graylane-front.jar" io.graylane.samples.DemoClient "http://127.0.0.1:$front" "$client"
