#!/usr/bin/env bash
# Admission through the AppHost vs the same Api run alone, in one run (issue 10: ratio >= 0.95).
# Starts the AppHost (Release, local binaries when installed) on Api port 8000, sells out SOLDOUT-1, then starts a
# second Api by hand from the same build with the environment DCP gave the first (same Redis, database, Temporal and
# OTLP exporter) on port 8002, and runs interleaved wrk rounds against both.
# With a third argument, the second Api is that checkout's build instead (built in Release first): the same environment
# and telemetry, another build, for a before/after in one run.
# Usage: bash bench/apphost-admission.sh [rounds=4] [seconds=15] [checkout]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-4}
seconds=${2:-15}
second=$(realpath "${3:-.}")
dotnet build -c Release OmniFlow.AppHost -v q -nologo >/dev/null
dotnet run -c Release --no-build --project OmniFlow.AppHost -- --Api:Port=8000 > /tmp/bench-apphost.log 2>&1 &
apphost=$!
alone=""
# SIGTERM (a background job ignores SIGINT): the AppHost stops every resource, then exits.
cleanup() {
  [ -n "$alone" ] && kill "$alone" 2>/dev/null
  for pid in $(pgrep -P "$apphost"); do kill -TERM "$pid" 2>/dev/null; done
  wait "$apphost" 2>/dev/null || true
}
trap cleanup EXIT
until curl -sf -m 2 http://127.0.0.1:8000/health >/dev/null; do sleep 2; done
curl -sf -X PUT http://127.0.0.1:8000/api/v1/products/SOLDOUT-1 -H 'X-Api-Key: dev-admin-key' -H 'Content-Type: application/json' \
  -d '{"name":"Sold out","price":100,"stock":0,"warehouse":"SH"}' >/dev/null

api_pid=$(pgrep -f 'OmniFlow.Api/bin/Release/net10.0/OmniFlow.Api$' | head -1)
env_args=()
while IFS= read -r -d '' pair; do
  case "$pair" in ASPNETCORE_URLS=*|Api__Port=*|OTEL_SERVICE_NAME=*|OTEL_RESOURCE_ATTRIBUTES=*) ;; *) env_args+=("$pair");; esac
done < "/proc/$api_pid/environ"
# In the project folder, as DCP runs it: that is where its appsettings.json (log levels) is read from.
(cd "$second/OmniFlow.Api" && exec env "${env_args[@]}" ASPNETCORE_URLS=http://127.0.0.1:8002 Api__Port=8002 OTEL_SERVICE_NAME=api-alone \
  bin/Release/net10.0/OmniFlow.Api) > /tmp/bench-api-alone.log 2>&1 &
alone=$!
for _ in $(seq 1 120); do curl -sf -m 2 http://127.0.0.1:8002/health >/dev/null && break; sleep 1; done
curl -sf -m 2 http://127.0.0.1:8002/health >/dev/null || { echo "the Api alone did not start: /tmp/bench-api-alone.log"; exit 1; }

rate() { wrk -t2 -c2000 -d"$2"s --latency -s bench/order.lua "http://127.0.0.1:$1/api/v1/orders" | awk '/Requests\/sec/ {print $2}'; }
echo "warm-up"; rate 8000 10 >/dev/null; rate 8002 10 >/dev/null
for round in $(seq 1 "$rounds"); do
  # Alternate which goes first, so that neither always runs right after the other's 2000 connections close.
  if (( round % 2 )); then through=$(rate 8000 "$seconds"); by_hand=$(rate 8002 "$seconds")
  else by_hand=$(rate 8002 "$seconds"); through=$(rate 8000 "$seconds"); fi
  echo "round $round: through the AppHost $through req/s, by hand ($second) $by_hand req/s, ratio $(echo "scale=3; $through / $by_hand" | bc)"
done
