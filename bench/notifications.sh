#!/usr/bin/env bash
# End to end (admitted → workflow → reserved in MariaDB) with notifications off, then on (one webhook and mail over SMTP,
# both to bench/notification-sink.cs on this machine), on the same machine one after the other. Each run starts the
# AppHost (Release) on a fresh data directory, warms it up with unmeasured orders, then measures orders and the CPU
# every process of the system used (from /proc) until they were reserved and, with notifications on, until every
# event (order.admitted and order.awaiting_payment of each order: two webhooks and two mails) had been delivered.
# Usage: bash bench/notifications.sh [orders=2000] [warmup=1000] [concurrency=500] [modes="off on"]
set -uo pipefail
cd "$(dirname "$0")/.."
orders=${1:-2000}
warmup=${2:-1000}
concurrency=${3:-500}
modes=${4:-off on}
port=28200 sink_http=28201 sink_smtp=28202
dotnet build -c Release OmniFlow.AppHost -v q -nologo >/dev/null
dotnet build -c Release OmniFlow.Stress -v q -nologo >/dev/null
dotnet build -c Release bench/notification-sink.cs -v q -nologo >/dev/null
stress() { dotnet OmniFlow.Stress/bin/Release/net10.0/OmniFlow.Stress.dll --url http://127.0.0.1:$port --concurrency "$concurrency" "$@" 2>/dev/null; }
cpu_of() { local total=0; for pid in $(pgrep -f "$1"); do
  read -r u s < <(awk '{print $14, $15}' /proc/$pid/stat 2>/dev/null || echo "0 0"); total=$((total + u + s)); done; echo "$total"; }
system_cpu() { echo $(( $(cpu_of "notify2/OmniFlow.(Worker|Api|TemporalServer)/bin/Release") + $(cpu_of "mariadbd .*$1") + $(cpu_of "redis-server 127.0.0.1:") )); }
# Waits until the database has reserved what the gate sold of sku $1 (the runner's own check gives up after 3 s
# without progress, which a worker starved of CPU on a busy machine can take).
reserved() { for _ in $(seq 1 600); do
  curl -sf http://127.0.0.1:$port/api/v1/products/"$1" | python3 -c 'import json,sys; p=json.load(sys.stdin); sys.exit(p["stock"] != p["gate_stock"])' && break
  sleep 0.5; done; }
# Waits until the sink has had $1 webhooks and $1 mails (or 600 s); prints the seconds waited.
drain() { local start=$SECONDS; while [ $((SECONDS - start)) -lt 600 ]; do
  read -r hooks mails < <(curl -sf http://127.0.0.1:$sink_http/count || echo "0 0")
  [ "$hooks" -ge "$1" ] && [ "$mails" -ge "$1" ] && break; sleep 0.5; done; echo $((SECONDS - start)); }
run() { # off|on
  local data; data=$(mktemp -d /tmp/notify-bench.XXXX)
  local settings=() sink=""
  if [ "$1" = on ]; then
    settings=(--Notifications:Webhooks:0:Url=http://127.0.0.1:$sink_http/bench --Notifications:Webhooks:0:Secret=bench-secret
      --Notifications:Email:Smtp:Host=127.0.0.1 --Notifications:Email:Smtp:Port=$sink_smtp --Notifications:Email:Smtp:Security=None
      --Notifications:Email:From=shop@omniflow.test --Notifications:Email:To=ops@omniflow.test)
    dotnet run -c Release --no-build bench/notification-sink.cs -- $sink_http $sink_smtp > "$data/sink.log" 2>&1 &
    sink=$!
  fi
  dotnet run -c Release --no-build --project OmniFlow.AppHost -- --Api:Port=$port --AppHost:DataDirectory="$data" \
    --AppHost:PreferWellKnownPorts=false "${settings[@]}" > "$data/apphost.log" 2>&1 &
  local apphost=$!
  for _ in $(seq 1 300); do curl -sf -m 2 http://127.0.0.1:$port/health >/dev/null && break; sleep 1; done
  stress --sku "WARM-$1" --requests "$warmup" --users "$warmup" --stock "$warmup" --settle-timeout 300s >/dev/null || true
  reserved "WARM-$1"
  [ "$1" = on ] && drain $((2 * warmup)) >/dev/null
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local before; before=$(system_cpu "$data")
  local started=$SECONDS
  local report; report=$(stress --sku "BENCH-$1" --requests "$orders" --users "$orders" --stock "$orders" --settle-timeout 300s | grep -E "status codes|end to end")
  reserved "BENCH-$1"
  local settled=$((SECONDS - started)) waited=0
  [ "$1" = on ] && waited=$(drain $((2 * (warmup + orders))))
  local after; after=$(system_cpu "$data")
  local ticks; ticks=$(getconf CLK_TCK)
  echo "notifications $1: $(echo "$report" | tr '\n' ' ') | $(curl -sf http://127.0.0.1:$port/api/v1/products/BENCH-$1) | reserved after ${settled} s, delivered ${waited} s later | CPU $(awk -v d=$((after - before)) -v t="$ticks" -v n="$orders" 'BEGIN {printf "%.2f", d / t * 1000 / n}') ms/order | load average $load → $(cut -d' ' -f1 /proc/loadavg)"
  [ "$1" = on ] && echo "  sink: $(curl -sf http://127.0.0.1:$sink_http/count) (webhooks mails)"
  for pid in $(pgrep -P "$apphost"); do kill -TERM "$pid" 2>/dev/null; done
  wait "$apphost" 2>/dev/null || true
  if [ -n "$sink" ]; then for pid in $(pgrep -P "$sink") "$sink"; do kill -TERM "$pid" 2>/dev/null; done; fi
  rm -rf "$data"
}
for mode in $modes; do run "$mode"; done
