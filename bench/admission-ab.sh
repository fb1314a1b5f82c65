#!/usr/bin/env bash
# Admission (sold-out sku, wrk -c2000) of two builds of the Api in one run, rounds interleaved.
# Usage: bash bench/admission-ab.sh BEFORE_CHECKOUT AFTER_CHECKOUT [rounds=4] [seconds=15] [wrk script=order.lua]
# (bench/order-keyed.lua sends every request with a fresh Idempotency-Key.)
# Each checkout's Api must be built: dotnet build -c Release OmniFlow.Api. Both Apis share one private redis-server and
# one OmniFlow.TemporalServer (from AFTER), each with its own SQLite file; no OTLP exporter (the hot path alone).
set -euo pipefail
before=$(realpath "$1"); after=$(realpath "$2"); rounds=${3:-4}; seconds=${4:-15}; script=${5:-order.lua}
source "$(dirname "$0")/api-alone.sh"
start_api_services "$after"
before_port=$(free_port); start_api "$before" "$before_port" before
after_port=$(free_port); start_api "$after" "$after_port" after
rate() { wrk -t2 -c2000 -d"$2"s -s "$after/bench/$script" "http://127.0.0.1:$1/api/v1/orders" | awk '/Requests\/sec/ {print $2}'; }
echo "warm-up"; rate "$before_port" 10 >/dev/null; rate "$after_port" 10 >/dev/null
for round in $(seq 1 "$rounds"); do
  if (( round % 2 )); then b=$(rate "$before_port" "$seconds"); a=$(rate "$after_port" "$seconds")
  else a=$(rate "$after_port" "$seconds"); b=$(rate "$before_port" "$seconds"); fi
  echo "round $round: before $b req/s, after $a req/s, after/before $(echo "scale=3; $a / $b" | bc)"
done
