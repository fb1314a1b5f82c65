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
source "$here/api-alone.sh"
start_api_services "$after"
baseline_port=$(free_port)
(cd "$here" && exec setsid dotnet run -c Release baseline.cs --urls "http://127.0.0.1:$baseline_port") >"$WORK/baseline.log" 2>&1 & PIDS+=($!)
# BEFORE_ENV and AFTER_ENV split into VAR=value words on purpose.
before_port=$(free_port); start_api "$before" "$before_port" before ${BEFORE_ENV:-}
after_port=$(free_port); start_api "$after" "$after_port" after ${AFTER_ENV:-}
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
