#!/usr/bin/env bash
# Admission (sold-out sku, wrk -c2000) of two builds of the Api in one run, rounds interleaved.
# Usage: bash bench/admission-ab.sh BEFORE_CHECKOUT AFTER_CHECKOUT [rounds=4] [seconds=15] [wrk script=order.lua]
# (bench/order-keyed.lua sends every request with a fresh Idempotency-Key.)
# Each checkout's Api must be built: dotnet build -c Release OmniFlow.Api. Both Apis share one private redis-server and
# one OmniFlow.TemporalServer (from AFTER), each with its own SQLite file; no OTLP exporter (the hot path alone).
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); rounds=${3:-4}; seconds=${4:-15}; script=${5:-order.lua}
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); temporal_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null & pids+=($!)
"$after/OmniFlow.TemporalServer/bin/Release/net10.0/OmniFlow.TemporalServer" server start-dev --port "$temporal_port" >/dev/null 2>&1 & pids+=($!)
start_api() { # checkout port name
  (cd "$1/OmniFlow.Api" && exec env DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
    ConnectionStrings__redis="127.0.0.1:$redis_port" ConnectionStrings__omniflowdb="Data Source=$work/$3.db" \
    Temporal__Address="127.0.0.1:$temporal_port" Api__Port="$2" bin/Release/net10.0/OmniFlow.Api) >"$work/$3.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf -m 2 "http://127.0.0.1:$2/health" >/dev/null && break; sleep 1; done
  curl -sf -X PUT "http://127.0.0.1:$2/api/v1/products/SOLDOUT-1" -H 'X-Api-Key: dev-admin-key' -H 'Content-Type: application/json' \
    -d '{"name":"Sold out","price":100,"stock":0,"warehouse":"SH"}' >/dev/null
}
before_port=$(free_port); start_api "$before" "$before_port" before
after_port=$(free_port); start_api "$after" "$after_port" after
rate() { wrk -t2 -c2000 -d"$2"s -s "$after/bench/$script" "http://127.0.0.1:$1/api/v1/orders" | awk '/Requests\/sec/ {print $2}'; }
echo "warm-up"; rate "$before_port" 10 >/dev/null; rate "$after_port" 10 >/dev/null
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then b=$(rate "$before_port" "$seconds"); a=$(rate "$after_port" "$seconds")
  else a=$(rate "$after_port" "$seconds"); b=$(rate "$before_port" "$seconds"); fi
  echo "round $round: before $b req/s, after $a req/s, after/before $(echo "scale=3; $a / $b" | bc)"
done
