#!/usr/bin/env bash
# Bytes the Api allocates per sold-out answer, from its own /metrics (dotnet_gc_heap_total_allocated_bytes_total),
# for one or more checkouts: each Api alone (Release, built), wrk at 2000 connections, one warm-up and two 10 s runs.
# Usage: bash bench/admission-alloc.sh CHECKOUT [CHECKOUT ...]
set -euo pipefail
here=$(realpath "$(dirname "$0")")
source "$here/api-alone.sh"
start_api_services "$(realpath "$1")"
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v name="$2" '$1 ~ "^"name {s += $2} END {printf "%.0f", s}'; }
for checkout in "$@"; do
  checkout=$(realpath "$checkout"); port=$(free_port)
  start_api "$checkout" "$port" "api-$port"
  wrk -t2 -c2000 -d10s -s "$here/order.lua" "http://127.0.0.1:$port/api/v1/orders" >/dev/null
  for run in 1 2; do
    bytes=$(metric "$port" dotnet_gc_heap_total_allocated_bytes_total); gcs=$(metric "$port" dotnet_gc_collections_total)
    out=$(wrk -t2 -c2000 -d10s -s "$here/order.lua" "http://127.0.0.1:$port/api/v1/orders")
    n=$(echo "$out" | awk '/ requests in / {print $1}')
    echo "$(git -C "$checkout" log --oneline -1 | cut -c1-50) run $run: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s," \
      "$(( ($(metric "$port" dotnet_gc_heap_total_allocated_bytes_total) - bytes) / n )) B/request," \
      "$(( $(metric "$port" dotnet_gc_collections_total) - gcs )) GCs"
  done
done
