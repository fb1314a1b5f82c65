#!/usr/bin/env bash
# The first seconds of a sale on a system that has just started: for each checkout in turn, rounds interleaved, the
# AppHost (Release) on a fresh data directory, then at once 3000 orders over 2000 connections, and their answers.
# Usage: bash bench/cold-burst.sh [rounds=1] [checkout ...]   (default checkout: this one; each is built in Release)
set -uo pipefail
here=$(realpath "$(dirname "$0")/..")
source "$here/bench/apphost.sh"
rounds=${1:-1}; shift || true
checkouts=("$@"); [ ${#checkouts[@]} -eq 0 ] && checkouts=("$here")
port=28100
for checkout in "${checkouts[@]}"; do
  dotnet build -c Release "$checkout/OmniFlow.AppHost" -v q -nologo >/dev/null || exit 1
done
dotnet build -c Release "$here/OmniFlow.Stress" -v q -nologo >/dev/null || exit 1
run() { # checkout
  local data; data=$(mktemp -d /tmp/cold.XXXX)
  start_apphost "$1" "$data" "$port" || { echo "== $1: the AppHost did not start" >&2; return 1; }
  echo "== $(git -C "$1" log --oneline -1 | cut -c1-60) ($1)"
  dotnet "$here/OmniFlow.Stress/bin/Release/net10.0/OmniFlow.Stress.dll" --url http://127.0.0.1:$port --concurrency 2000 \
    --requests 3000 --users 3000 --stock 3000 --settle-timeout 300s 2>/dev/null | grep -E '^(status codes|latency|invariant) ' | sed 's/^/   /'
  stop_apphost
  rm -rf "$data"
}
for round in $(seq 1 "$rounds"); do
  for checkout in "${checkouts[@]}"; do run "$(realpath "$checkout")"; done
done
