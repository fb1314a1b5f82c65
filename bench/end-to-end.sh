#!/usr/bin/env bash
# End to end (admitted → workflow started → stock reserved in MariaDB) through the AppHost, with the CPU each process of
# the system spent per order, for one or more checkouts, rounds interleaved on the same machine.
# Each run starts the AppHost (Release) of a checkout on a fresh data directory, warms it up with 3000 unmeasured
# orders, then measures 5000 orders over 2000 connections (the stress runner, on the same cores) and the CPU (utime +
# stime from /proc) every process used meanwhile; orders/s and CPU are per admitted order (a 503 is not one).
# Usage: [MEASURES=n] bash bench/end-to-end.sh [rounds=1] [checkout ...]   (default checkout: this one; each is built in
# Release; MEASURES: measured runs of 5000 per start of the AppHost, to see the system once its JIT has settled;
# APPHOST_ARGS: more settings for the AppHost, e.g. "--Temporal:MaxCachedWorkflows=1000"; STRESS_ARGS: more options
# for the measured runs, e.g. "--pay 1" to pay every order; BUILD=0: run the checkouts as they are built, for files
# placed in a checkout's bin by hand)
set -uo pipefail
here=$(realpath "$(dirname "$0")/..")
source "$here/bench/apphost.sh"
source "$here/bench/rounds.sh"
rounds=${1:-1}; shift || true
checkouts=("$@"); [ ${#checkouts[@]} -eq 0 ] && checkouts=("$here")
port=28100
measures=${MEASURES:-1}
ticks=$(getconf CLK_TCK)
if [ "${BUILD:-1}" != 0 ]; then
  for checkout in "${checkouts[@]}"; do
    dotnet build -c Release "$checkout/OmniFlow.AppHost" -v q -nologo >/dev/null || exit 1
  done
fi
dotnet build -c Release "$here/OmniFlow.Stress" -v q -nologo >/dev/null || exit 1
stress() { dotnet "$here/OmniFlow.Stress/bin/Release/net10.0/OmniFlow.Stress.dll" --url http://127.0.0.1:$port --concurrency 2000 "$@" 2>/dev/null; }
# stat_of figure pattern: a figure of /proc/<pid>/stat summed over the processes matching pattern: CPU ticks
# ('$14 + $15', utime + stime) or minor page faults ('$10'), 11–18 µs of CPU each here (bench/page-fault-cost.sh).
stat_of() { local total=0 value; for pid in $(pgrep -f "$2"); do
  value=$(awk "{print $1}" "/proc/$pid/stat" 2>/dev/null); total=$((total + ${value:-0})); done; echo "$total"; }
parts=(Api Worker Temporal MariaDB Redis Aspire)
sample() { # figure checkout data → the figure per part, in the order of parts
  echo "$(stat_of "$1" "$2/OmniFlow.Api/bin/Release") $(stat_of "$1" "$2/OmniFlow.Worker/bin/Release") \
    $(stat_of "$1" "$2/OmniFlow.TemporalServer/bin/Release") $(stat_of "$1" "mariadbd .*$3") \
    $(stat_of "$1" "redis-server .*$3|redis-server 127.0.0.1") $(stat_of "$1" "$2/OmniFlow.AppHost/bin/Release|dcp|Aspire.Dashboard")"
}
cpu='$14 + $15'; faults='$10'
measure() { # checkout data label
  local before; before=$(sample "$cpu" "$1" "$data")
  local faults_before; faults_before=$(sample "$faults" "$1" "$data")
  local start; start=$(date +%s.%N)
  local report; report=$( (stress --requests 5000 --users 5000 --stock 5000 --settle-timeout 300s ${STRESS_ARGS:-}; times) )
  local seconds; seconds=$(echo "$(date +%s.%N) - $start" | bc)
  local after; after=$(sample "$cpu" "$1" "$data")
  local faults_after; faults_after=$(sample "$faults" "$1" "$data")
  # `times` prints the subshell's children (the stress runner) as "user system" on its second line.
  # Per admitted order: a 503 is an order the system did not take.
  local admitted; admitted=$(echo "$report" | awk '/^admitted / {print $2}'); admitted=${admitted:-0}; (( admitted > 0 )) || admitted=1
  local runner; runner=$(echo "$report" | tail -1 | awk -v n="$admitted" '{gsub(/[ms]/, " "); print ($1 * 60 + $2 + $3 * 60 + $4) * 1000 / n}')
  echo "== $(git -C "$1" log --oneline -1 | cut -c1-60)$3"
  echo "$report" | grep -v -E '^(target|requests|latency|admitted|store|result) |^[0-9]+m[0-9.]+s ' | sed 's/^/   /'
  paste <(printf '%s\n' "${parts[@]}") <(printf '%s\n' $before) <(printf '%s\n' $after) |
    awk -v t="$ticks" -v n="$admitted" -v runner="$runner" -v s="$seconds" '
      { ms = ($3 - $2) / t * 1000 / n; total += ms; line = line sprintf("%s %.2f  ", $1, ms) }
      END { printf "   %.0f s, %.1f orders/s | ms CPU/order: %ssystem %.2f | stress runner %.2f | all %.2f\n", s, n / s, line, total, runner, total + runner }'
  paste <(printf '%s\n' "${parts[@]}") <(printf '%s\n' $faults_before) <(printf '%s\n' $faults_after) |
    awk -v n="$admitted" '{ f = ($3 - $2) / n; total += f; line = line sprintf("%s %.1f  ", $1, f) }
      END { printf "   page faults/order: %ssystem %.1f\n", line, total }'
}
run() { # checkout
  local data; data=$(mktemp -d /tmp/e2e.XXXX)
  start_apphost "$1" "$data" "$port" ${APPHOST_ARGS:-} || { echo "== $1: the AppHost did not start" >&2; rm -rf "$data"; return 1; }
  stress --requests 3000 --users 3000 --stock 3000 --settle-timeout 300s >/dev/null || true
  for m in $(seq 1 "$measures"); do measure "$1" "$data" "$([ "$measures" -gt 1 ] && echo " (measure $m of $measures)")"; done
  stop_apphost
  rm -rf "$data"
}
for round in $(seq 1 "$rounds"); do
  round_order "$round" "${checkouts[@]}"
  for checkout in "${ORDER[@]}"; do run "$(realpath "$checkout")"; done
done
