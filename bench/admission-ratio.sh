#!/usr/bin/env bash
# Admission on a sold-out sku against the cheapest Kestrel endpoint, in one run (issue 14: ratio >= 0.8, p99 <= 150 ms).
# Starts the AppHost (Release; telemetry exported to its dashboard, as a sale runs), sells out SOLDOUT-1, starts
# bench/baseline.cs (a minimal API answering a constant 429 problem on the same route), warms up, then runs wrk rounds
# (-t2 -c2000, bench/order.lua) against each, in an order that changes every round.
# The first checkout (default: this one) runs the AppHost. Each further checkout's Api (built in Release here) starts by
# hand beside it with the environment DCP gave the AppHost's Api (the same Redis, Temporal, database and OTLP exporter),
# so builds compare in one run against the same yardstick. Every server runs in a session of its own, as DCP runs the
# AppHost's: with the kernel's autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled) a server started in wrk's
# session shares wrk's CPU group and answers with a lower p99 (bench/results.md, 2026-12-04 night).
# For each Api a round also counts, from its /metrics, the orders that got past the door (the endpoint answered them)
# and the sold-out answers Redis gave rather than memory.
# Usage: [WARMUP=seconds (15)] bash bench/admission-ratio.sh [rounds=3] [seconds=15] [checkout ...]
set -euo pipefail
here=$(realpath "$(dirname "$0")/..")
rounds=${1:-3}; seconds=${2:-15}; shift $(( $# < 2 ? $# : 2 ))
checkouts=(); for checkout in "${@:-$here}"; do checkouts+=("$(realpath "$checkout")"); done
api=28200; baseline=28201
dotnet build -c Release "${checkouts[0]}/OmniFlow.AppHost" -v q -nologo >/dev/null
for checkout in "${checkouts[@]:1}"; do dotnet build -c Release "$checkout/OmniFlow.Api" -v q -nologo >/dev/null; done
data=$(mktemp -d /tmp/ratio.XXXX)
(cd "${checkouts[0]}" && exec dotnet run -c Release --no-build --project OmniFlow.AppHost -- --Api:Port=$api \
  --AppHost:DataDirectory="$data" --AppHost:PreferWellKnownPorts=false) > "$data/apphost.log" 2>&1 &
apphost=$!
(cd "$here/bench" && exec setsid dotnet run -c Release baseline.cs --urls http://127.0.0.1:$baseline) > "$data/baseline.log" 2>&1 &
yardstick=$!
by_hand=()
cleanup() {
  for pid in "${by_hand[@]}"; do kill "$pid" 2>/dev/null; done
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

names=("${checkouts[0]}"); ports=($api)
if (( ${#checkouts[@]} > 1 )); then
  api_pid=$(ss -ltnp "sport = :$api" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  env_args=()
  while IFS= read -r -d '' pair; do
    case "$pair" in ASPNETCORE_URLS=*|Api__Port=*|OTEL_SERVICE_NAME=*|OTEL_RESOURCE_ATTRIBUTES=*) ;; *) env_args+=("$pair");; esac
  done < "/proc/$api_pid/environ"
  port=$api
  for checkout in "${checkouts[@]:1}"; do
    port=$((port + 2))
    # In the project folder, as DCP runs it: that is where its appsettings.json (log levels) is read from.
    (cd "$checkout/OmniFlow.Api" && exec setsid env "${env_args[@]}" ASPNETCORE_URLS=http://127.0.0.1:$port Api__Port=$port \
      OTEL_SERVICE_NAME=api-$port bin/Release/net10.0/OmniFlow.Api) > "$data/api-$port.log" 2>&1 &
    by_hand+=($!)
    for _ in $(seq 1 120); do curl -sf -m 2 http://127.0.0.1:$port/health >/dev/null && break; sleep 1; done
    curl -sf -m 2 http://127.0.0.1:$port/health >/dev/null || { echo "the Api of $checkout did not start:"; tail -20 "$data/api-$port.log"; exit 1; }
    names+=("$checkout (by hand)"); ports+=($port)
  done
fi
names+=("constant 429"); ports+=($baseline)
measure() { # port seconds → "req/s p99"
  wrk -t2 -c2000 -d"$2"s --latency -s "$here/bench/order.lua" "http://127.0.0.1:$1/api/v1/orders" |
    awk '/Requests\/sec/ {rate = $2} /^ +99%/ {p99 = $2} END {print rate, p99}'
}
counts() { # port → "orders the endpoint answered (past the door), sold-out answers Redis gave" so far
  curl -s -m 5 "http://127.0.0.1:$1/metrics" | awk '
    /^http_server_request_duration_seconds_count\{.*http_route="\/api\/v1\/orders\/"/ {inside += $NF}
    /^omniflow_admission_sold_out_total/ {sold += $NF} /^omniflow_admission_l0_hits_total/ {local += $NF}
    END {print inside + 0, sold - local}'
}
echo "warm-up"; for port in "${ports[@]}"; do measure "$port" "${WARMUP:-15}" >/dev/null; done
count=${#ports[@]}
for round in $(seq 1 "$rounds"); do
  # Each round starts one further along, every other round backwards, so that no server always runs right after the
  # same other server's 2000 connections close.
  rate=(); p99=(); inside=(); redis=()
  for step in $(seq 0 $((count - 1))); do
    if (( round % 2 )); then i=$(( (round - 1 + step) % count )); else i=$(( (round - 1 - step + 2 * count) % count )); fi
    (( i < count - 1 )) && read -r inside0 redis0 <<< "$(counts "${ports[$i]}")"
    read -r "rate[$i]" "p99[$i]" <<< "$(measure "${ports[$i]}" "$seconds")"
    (( i < count - 1 )) && read -r inside1 redis1 <<< "$(counts "${ports[$i]}")" && inside[$i]=$((inside1 - inside0)) && redis[$i]=$((redis1 - redis0))
  done
  yard=${rate[$((count - 1))]}
  for i in $(seq 0 $((count - 2))); do
    echo "round $round: ${names[$i]}: POST /api/v1/orders ${rate[$i]} req/s (p99 ${p99[$i]}), constant 429 $yard req/s (p99 ${p99[$((count - 1))]}), ratio $(echo "scale=3; ${rate[$i]} / $yard" | bc); past the door ${inside[$i]}, sold out by Redis ${redis[$i]}"
  done
done
