#!/usr/bin/env bash
# Admission on a sold-out sku against the cheapest Kestrel endpoint, in one run (issue 14: ratio >= 0.8, p99 <= 150 ms).
# Starts the AppHost (Release; telemetry exported to its dashboard, as a sale runs), sells out SOLDOUT-1, starts
# bench/baseline.cs (a minimal API answering a constant 429 problem on the same route), warms both up, then runs
# interleaved wrk rounds (-t2 -c2000, bench/order.lua) against both.
# Usage: bash bench/admission-ratio.sh [rounds=3] [seconds=15] [checkout=this one]
set -euo pipefail
here=$(realpath "$(dirname "$0")/..")
rounds=${1:-3}; seconds=${2:-15}; checkout=$(realpath "${3:-$here}")
api=28200; baseline=28201
dotnet build -c Release "$checkout/OmniFlow.AppHost" -v q -nologo >/dev/null
data=$(mktemp -d /tmp/ratio.XXXX)
(cd "$checkout" && exec dotnet run -c Release --no-build --project OmniFlow.AppHost -- --Api:Port=$api \
  --AppHost:DataDirectory="$data" --AppHost:PreferWellKnownPorts=false) > "$data/apphost.log" 2>&1 &
apphost=$!
(cd "$here/bench" && exec dotnet run -c Release baseline.cs --urls http://127.0.0.1:$baseline) > "$data/baseline.log" 2>&1 &
yardstick=$!
cleanup() {
  for pid in $(pgrep -P "$yardstick"); do kill "$pid" 2>/dev/null; done; kill "$yardstick" 2>/dev/null
  for pid in $(pgrep -P "$apphost"); do kill -TERM "$pid" 2>/dev/null; done
  wait "$apphost" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf -m 2 http://127.0.0.1:$api/health >/dev/null && break; sleep 1; done
for _ in $(seq 1 300); do curl -s -m 2 -o /dev/null http://127.0.0.1:$baseline/ && break; sleep 1; done
curl -sf -X PUT http://127.0.0.1:$api/api/v1/products/SOLDOUT-1 -H 'X-Api-Key: dev-admin-key' -H 'Content-Type: application/json' \
  -d '{"name":"Sold out","price":100,"stock":0,"warehouse":"SH"}' >/dev/null
measure() { # port seconds → "req/s p99"
  wrk -t2 -c2000 -d"$2"s --latency -s "$here/bench/order.lua" "http://127.0.0.1:$1/api/v1/orders" |
    awk '/Requests\/sec/ {rate = $2} /^ +99%/ {p99 = $2} END {print rate, p99}'
}
echo "warm-up"; measure $api 15 >/dev/null; measure $baseline 15 >/dev/null
for round in $(seq 1 "$rounds"); do
  # Alternate which goes first, so that neither always runs right after the other's 2000 connections close.
  if (( round % 2 )); then order=$(measure $api "$seconds"); yard=$(measure $baseline "$seconds")
  else yard=$(measure $baseline "$seconds"); order=$(measure $api "$seconds"); fi
  read -r order_rate order_p99 <<< "$order"; read -r yard_rate yard_p99 <<< "$yard"
  echo "round $round: POST /api/v1/orders $order_rate req/s (p99 $order_p99), constant 429 $yard_rate req/s (p99 $yard_p99), ratio $(echo "scale=3; $order_rate / $yard_rate" | bc)"
done
