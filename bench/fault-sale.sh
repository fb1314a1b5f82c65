#!/usr/bin/env bash
# A sale with payments through a fault: orders for <orders> units arrive for <down> + 15 seconds; the AppHost's <target>
# process is killed with SIGKILL 4 seconds in and started again (same command line, environment and directory) after
# <down> seconds. The stress runner pays
# 60 % of the admitted orders as a provider would (signed, retried on 503) and checks that every payment answered 200
# ends COMPLETED, and that gate, database and orders agree (no unit leaked or doubled).
# Usage: bash bench/fault-sale.sh worker|database|redis [down_seconds=20] [orders=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?worker, database or redis}
down=${2:-20}
orders=${3:-1000}
port=28000
data=$(mktemp -d /tmp/fault-sale.XXXX)
dotnet build OmniFlow.AppHost -v q -nologo >/dev/null
dotnet build OmniFlow.Stress -v q -nologo >/dev/null
dotnet run --no-build --project OmniFlow.AppHost -- --Api:Port=$port --AppHost:DataDirectory="$data" \
  --AppHost:PreferWellKnownPorts=false --Orders:PaymentTimeout=00:01:00 > "$data/apphost.log" 2>&1 &
apphost=$!
again=""
cleanup() {
  [ -n "$again" ] && kill -TERM "$again" 2>/dev/null
  for pid in $(pgrep -P "$apphost"); do kill -TERM "$pid" 2>/dev/null; done
  wait "$apphost" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf -m 2 http://127.0.0.1:$port/health >/dev/null && break; sleep 1; done
curl -sf -m 2 http://127.0.0.1:$port/health >/dev/null || { echo "the system did not start: $data/apphost.log"; exit 1; }

case "$target" in
  worker) pattern='OmniFlow.Worker/bin/Debug/net10.0/OmniFlow.Worker$' ;;
  database) pattern="mariadbd .*--datadir=$data" ;;
  redis) pattern="redis-server 127.0.0.1:" ;;
  *) echo "unknown target $target"; exit 2 ;;
esac
# Orders keep coming through the outage and after it, until the sku sells out.
dotnet OmniFlow.Stress/bin/Debug/net10.0/OmniFlow.Stress.dll --url http://127.0.0.1:$port --concurrency 50 \
  --duration "$((down + 15))s" --stock "$orders" --pay 0.6 --expect-outage --settle-timeout 240s > "$data/stress.log" 2>&1 &
stress=$!
# Four seconds into the load (after the sku is stocked).
until grep -q '^stocked' "$data/stress.log" 2>/dev/null || ! kill -0 "$stress" 2>/dev/null; do sleep 0.2; done
sleep 4
pid=""
for candidate in $(pgrep -f "$pattern"); do
  # This AppHost's process: its working directory or its data directory is under $data (tests may run others).
  if [[ "$(readlink /proc/$candidate/cwd)" == "$data"* || "$target" != redis ]]; then pid=$candidate; break; fi
done
[ -n "$pid" ] || { echo "no $target process matches '$pattern'"; exit 1; }
if [ "$target" = redis ]; then
  # redis-server rewrites its command line; start it as the AppHost does.
  redis_port=$(tr '\0' ' ' < /proc/$pid/cmdline | sed -E 's/.*127\.0\.0\.1:([0-9]+).*/\1/')
  command=("$(command -v redis-server)" --port "$redis_port" --bind 127.0.0.1 --dir "$(readlink /proc/$pid/cwd)" --save "" --appendonly yes --appendfsync everysec)
else
  mapfile -d '' command < "/proc/$pid/cmdline"
fi
environment=()
while IFS= read -r -d '' pair; do [ -n "$pair" ] && environment+=("$pair"); done < "/proc/$pid/environ"
directory=$(readlink "/proc/$pid/cwd")
kill -KILL "$pid"
echo "$(date +%T) killed $target ($pid); down for $down s"
sleep "$down"
(cd "$directory" && exec env -i "${environment[@]}" "${command[@]}") > "$data/$target-again.log" 2>&1 &
again=$!
echo "$(date +%T) started $target again ($again)"
wait "$stress" || true
cat "$data/stress.log"
