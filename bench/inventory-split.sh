#!/usr/bin/env bash
# End to end (admitted → workflow → reserved in MariaDB), one worker serving both queues vs inventory workers of their
# own (AppHost:InventoryWorkers=N), rounds interleaved on the same machine. Each round starts the AppHost (Release) on a
# fresh data directory, warms it up with 3000 unmeasured orders, then measures 5000 orders over 2000 connections and
# the CPU every process of the system used meanwhile (from /proc).
# Usage: bash bench/inventory-split.sh [rounds=2] [inventory_workers=1]
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
replicas=${2:-1}
port=28100
dotnet build -c Release OmniFlow.AppHost -v q -nologo >/dev/null
dotnet build -c Release OmniFlow.Stress -v q -nologo >/dev/null
stress() { dotnet OmniFlow.Stress/bin/Release/net10.0/OmniFlow.Stress.dll --url http://127.0.0.1:$port --concurrency 2000 "$@" 2>/dev/null; }
# CPU seconds (user + system) of every process whose command line mentions the data directory or is one of the system's.
cpu_of() { local total=0; for pid in $(pgrep -f "$1"); do
  read -r u s < <(awk '{print $14, $15}' /proc/$pid/stat 2>/dev/null || echo "0 0"); total=$((total + u + s)); done; echo "$total"; }
system_cpu() { echo $(( $(cpu_of "OmniFlow.(Worker|Api|TemporalServer)/bin/Release") + $(cpu_of "mariadbd .*$1") + $(cpu_of "redis-server 127.0.0.1:") )); }
run() { # mode replicas
  local data; data=$(mktemp -d /tmp/split.XXXX)
  dotnet run -c Release --no-build --project OmniFlow.AppHost -- --Api:Port=$port --AppHost:DataDirectory="$data" \
    --AppHost:PreferWellKnownPorts=false --AppHost:InventoryWorkers="$2" > "$data/apphost.log" 2>&1 &
  local apphost=$!
  for _ in $(seq 1 300); do curl -sf -m 2 http://127.0.0.1:$port/health >/dev/null && break; sleep 1; done
  stress --requests 3000 --users 3000 --stock 3000 --settle-timeout 300s >/dev/null || true
  local before; before=$(system_cpu "$data")
  local report; report=$(stress --requests 5000 --users 5000 --stock 5000 --settle-timeout 300s | grep -E "status codes|settled|invariant")
  local after; after=$(system_cpu "$data")
  local ticks; ticks=$(getconf CLK_TCK)
  echo "$1 (inventory workers: $2): $(echo "$report" | tr '\n' ' ') | CPU $(awk -v d=$((after - before)) -v t="$ticks" 'BEGIN {printf "%.2f", d / t * 1000 / 5000}') ms/order"
  for pid in $(pgrep -P "$apphost"); do kill -TERM "$pid" 2>/dev/null; done
  wait "$apphost" 2>/dev/null || true
  rm -rf "$data"
}
for round in $(seq 1 "$rounds"); do
  run "one worker" 0
  run "apart" "$replicas"
done
