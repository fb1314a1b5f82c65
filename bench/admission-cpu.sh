#!/usr/bin/env bash
# CPU per sold-out answer: two builds of the Api alone and the constant-429 baseline, side by side, in one run.
# Each server's utime + stime (from /proc) over a wrk round, divided by the requests it answered; rounds interleaved.
# Usage: bash bench/admission-cpu.sh BEFORE_CHECKOUT AFTER_CHECKOUT [rounds=2] [seconds=12]
# Each checkout's Api must be built (dotnet build -c Release OmniFlow.Api). Both Apis share one private redis-server
# and one OmniFlow.TemporalServer (from AFTER), each with its own SQLite file; no OTLP exporter. BEFORE_ENV and
# AFTER_ENV add environment variables to one Api (e.g. AFTER_ENV="OTEL_METRICS_EXEMPLAR_FILTER=always_off").
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); rounds=${3:-2}; seconds=${4:-12}
here=$(realpath "$(dirname "$0")")
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); temporal_port=$(free_port); baseline_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null & pids+=($!)
"$after/OmniFlow.TemporalServer/bin/Release/net10.0/OmniFlow.TemporalServer" server start-dev --port "$temporal_port" >/dev/null 2>&1 & pids+=($!)
(cd "$here" && exec dotnet run -c Release baseline.cs --urls "http://127.0.0.1:$baseline_port") >"$work/baseline.log" 2>&1 & pids+=($!)
start_api() { # checkout port name extra-env
  # shellcheck disable=SC2086
  (cd "$1/OmniFlow.Api" && exec env $4 DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
    ConnectionStrings__redis="127.0.0.1:$redis_port" ConnectionStrings__omniflowdb="Data Source=$work/$3.db" \
    Temporal__Address="127.0.0.1:$temporal_port" Api__Port="$2" bin/Release/net10.0/OmniFlow.Api) >"$work/$3.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf -m 2 "http://127.0.0.1:$2/health" >/dev/null && break; sleep 1; done
  curl -sf -X PUT "http://127.0.0.1:$2/api/v1/products/SOLDOUT-1" -H 'X-Api-Key: dev-admin-key' -H 'Content-Type: application/json' \
    -d '{"name":"Sold out","price":100,"stock":0,"warehouse":"SH"}' >/dev/null
}
before_port=$(free_port); start_api "$before" "$before_port" before "${BEFORE_ENV:-OMNIFLOW_BENCH=before}"
after_port=$(free_port); start_api "$after" "$after_port" after "${AFTER_ENV:-OMNIFLOW_BENCH=after}"
for _ in $(seq 1 120); do curl -s -m 2 -o /dev/null "http://127.0.0.1:$baseline_port/" && break; sleep 1; done
pid_on() { ss -ltnp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
measure() { # port → "req/s p99 µs-per-request"
  local pid t0 t1 out; pid=$(pid_on "$1"); t0=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c2000 -d"$seconds"s --latency -s "$here/order.lua" "http://127.0.0.1:$1/api/v1/orders")
  t1=$(cpu_ticks "$pid")
  echo "$out" | awk -v ticks=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /Requests\/sec/ {rate = $2} /^ +99%/ {p99 = $2} / requests in / {n = $1}
    END {printf "%s req/s, p99 %s, %.1f µs CPU per request", rate, p99, ticks / hz * 1e6 / n}'
}
echo "warm-up"; measure "$before_port" >/dev/null; measure "$after_port" >/dev/null; measure "$baseline_port" >/dev/null
for round in $(seq 1 "$rounds"); do
  echo "round $round: before $(measure "$before_port")"
  echo "round $round: after $(measure "$after_port")"
  echo "round $round: constant 429 $(measure "$baseline_port")"
done
